using System.Globalization;

namespace AgriInsure.Domain;

/// <summary>A distance on the ground, held in metres whatever unit it came in.</summary>
public readonly record struct Length : IComparable<Length>
{
    private Length(double metres) => Metres = metres;

    public double Metres { get; }
    public double Kilometres => Metres / 1000;

    public static Result<Length> FromMetres(double value, string field = "length")
    {
        if (!double.IsFinite(value))
            return Result<Length>.Fail(field, "is not a finite number");
        if (value < 0)
            return Result<Length>.Fail(field, string.Create(CultureInfo.InvariantCulture, $"{value} m is negative"));
        return Result<Length>.Ok(new Length(value));
    }

    public static Result<Length> FromKilometres(double value, string field = "length") =>
        double.IsFinite(value) && value < 0
            ? Result<Length>.Fail(field, string.Create(CultureInfo.InvariantCulture, $"{value} km is negative"))
            : FromMetres(value * 1000, field);

    public int CompareTo(Length other) => Metres.CompareTo(other.Metres);

    public static bool operator <(Length a, Length b) => a.Metres < b.Metres;

    public static bool operator >(Length a, Length b) => a.Metres > b.Metres;

    public static bool operator <=(Length a, Length b) => a.Metres <= b.Metres;

    public static bool operator >=(Length a, Length b) => a.Metres >= b.Metres;

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Kilometres:0.###} km");
}
