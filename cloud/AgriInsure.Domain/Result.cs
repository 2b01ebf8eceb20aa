using System.Diagnostics.CodeAnalysis;

namespace AgriInsure.Domain;

/// <summary>An expected failure: which input field was wrong and why.</summary>
public sealed record ValidationError(string Field, string Reason)
{
    public override string ToString() => $"{Field}: {Reason}";
}

/// <summary>Either a value or the validation error that prevented it.</summary>
public readonly struct Result<T>
{
    private readonly T? _value;

    private Result(T? value, ValidationError? error)
    {
        _value = value;
        Error = error;
    }

    public ValidationError? Error { get; }

    [MemberNotNullWhen(false, nameof(Error))]
    public bool IsOk => Error is null;

    public T Value => IsOk ? _value! : throw new InvalidOperationException($"No value: {Error}");

    public static Result<T> Ok(T value) => new(value, null);

    public static Result<T> Fail(string field, string reason) => new(default, new ValidationError(field, reason));

    public static Result<T> Fail(ValidationError error) => new(default, error);

    public static implicit operator Result<T>(ValidationError error) => Fail(error);

    public bool TryGet([NotNullWhen(true)] out T? value, [NotNullWhen(false)] out ValidationError? error)
    {
        value = _value;
        error = Error;
        return IsOk;
    }

    public Result<TOut> Then<TOut>(Func<T, Result<TOut>> next) => IsOk ? next(_value!) : Result<TOut>.Fail(Error);

    public Result<TOut> Map<TOut>(Func<T, TOut> map) => IsOk ? Result<TOut>.Ok(map(_value!)) : Result<TOut>.Fail(Error);
}
