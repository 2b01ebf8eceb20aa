using System.Globalization;

namespace AgriInsure.Domain;

/// <summary>An area on the ground, held in square metres whatever unit it came in.</summary>
public readonly record struct Area : IComparable<Area>
{
    /// <summary>One mu (亩) is 1/15 hectare by the Chinese statutory definition.</summary>
    public const double SquareMetresPerMu = 10_000.0 / 15.0;

    public const double SquareMetresPerHectare = 10_000.0;

    private Area(double squareMetres) => SquareMetres = squareMetres;

    public double SquareMetres { get; }
    public double Hectares => SquareMetres / SquareMetresPerHectare;
    public double Mu => SquareMetres / SquareMetresPerMu;

    public static Result<Area> FromSquareMetres(double value, string field = "area")
    {
        if (double.IsNaN(value) || double.IsInfinity(value))
            return Result<Area>.Fail(field, "is not a finite number");
        if (value < 0)
            return Result<Area>.Fail(field, $"{value} m² is negative");
        return Result<Area>.Ok(new Area(value));
    }

    public static Result<Area> FromHectares(double value, string field = "area") => FromSquareMetres(value * SquareMetresPerHectare, field);

    public static Result<Area> FromMu(double value, string field = "area") => FromSquareMetres(value * SquareMetresPerMu, field);

    public int CompareTo(Area other) => SquareMetres.CompareTo(other.SquareMetres);

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{SquareMetres:0.##} m² ({Hectares:0.####} ha, {Mu:0.###} mu)");
}
