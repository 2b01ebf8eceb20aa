using System.Globalization;

namespace AgriInsure.Domain;

/// <summary>An amount in one ISO 4217 currency; arithmetic across currencies is a bug, so it throws.</summary>
public readonly record struct Money
{
    private Money(decimal amount, string currency)
    {
        Amount = amount;
        Currency = currency;
    }

    public decimal Amount { get; }
    public string Currency { get; }

    public static Result<Money> Create(decimal amount, string currency, string field = "money")
    {
        if (string.IsNullOrEmpty(currency) || currency.Length != 3 || !currency.All(char.IsAsciiLetterUpper))
            return Result<Money>.Fail($"{field}.currency", $"'{currency}' is not a three-letter upper-case ISO 4217 code");
        if (decimal.Round(amount, 2) != amount)
            return Result<Money>.Fail($"{field}.amount", $"{amount} has more than two decimal places");
        return Result<Money>.Ok(new Money(amount, currency));
    }

    public static Money Zero(string currency) => Create(0m, currency).Value;

    public Money Plus(Money other)
    {
        SameCurrency(other);
        return new Money(Amount + other.Amount, Currency);
    }

    public Money Times(decimal factor) =>
        new(decimal.Round(Amount * factor, 2, MidpointRounding.ToEven), Currency);

    public bool IsPositive => Amount > 0m;

    private void SameCurrency(Money other)
    {
        if (other.Currency != Currency)
            throw new InvalidOperationException($"Cannot combine {Currency} with {other.Currency}");
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Amount:0.00} {Currency}");
}
