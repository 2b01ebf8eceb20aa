using System.Runtime.CompilerServices;
using AgriInsure.Domain;
using AgriInsure.Imagery.Zonal;
using AgriInsure.Imagery.Rasters;

namespace AgriInsure.Imagery.Plots;

/// <summary>Which cells count as insured crop: a band's value at or above a minimum, a band's class in a
/// list, or NDVI from a red and a near-infrared band at or above a minimum.</summary>
public abstract record CellRule
{
    public sealed record BandAtLeast(int Band, double Min) : CellRule;

    public sealed record BandInClasses(int Band, IReadOnlySet<int> Classes) : CellRule;

    /// <summary>NDVI = (nir − red) / (nir + red). A cell whose NDVI falls outside [−1, 1] (negative
    /// reflectance, as Sentinel-2 L2A's offset gives dark pixels) is not crop and counts as invalid.</summary>
    public sealed record NdviAtLeast(int Red, int Nir, double Min) : CellRule;

    /// <summary>The rule in words, for provenance and stored measurements.</summary>
    public string Describe() => this switch
    {
        BandAtLeast b => double.IsNegativeInfinity(b.Min) ? $"band {b.Band}: every valid cell" : $"band {b.Band} ≥ {F(b.Min)}",
        BandInClasses b => $"band {b.Band} in classes {string.Join(",", b.Classes.Order())}",
        NdviAtLeast n => $"NDVI of bands {n.Red} (red), {n.Nir} (NIR) ≥ {F(n.Min)}; NDVI outside [-1, 1] counts as invalid",
        _ => ToString(),
    };

    private static string F(double v) => v.ToString("R", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The bands the rule reads.</summary>
    public IReadOnlyList<int> Bands => this switch
    {
        BandAtLeast b => [b.Band],
        BandInClasses b => [b.Band],
        NdviAtLeast n => [n.Red, n.Nir],
        _ => [],
    };
}

/// <summary>One plot's measured acreage. Every area is a ground area on the WGS84 ellipsoid and every
/// share is of the whole plot's ground area.</summary>
/// <param name="AreaM2">Geodesic area of the whole plot (m²).</param>
/// <param name="MeasuredM2">Ground area of the cells that meet the rule, weighted by exact coverage.</param>
/// <param name="CoveredFraction">Share of the plot inside the raster.</param>
/// <param name="NodataFraction">Share hidden by nodata, GDAL masks or cloud.</param>
/// <param name="InvalidFraction">Share whose values cannot be read as the rule asks (NDVI outside [−1, 1]).</param>
/// <param name="Note">Why the quality is what it is, for people; empty when ok.</param>
public sealed record PlotMeasurement(
    string Id,
    double AreaM2,
    double MeasuredM2,
    double MeasuredMu,
    double MeasuredHa,
    double CoveredFraction,
    double NodataFraction,
    double InvalidFraction,
    string Crs,
    string? Date,
    PlotQuality Quality,
    string Note);

public sealed record MeasureOptions
{
    /// <summary>A plot hidden (nodata, cloud or invalid values) over this share is flagged, not trusted.</summary>
    public double MaxHiddenShare { get; init; } = 0.2;

    /// <summary>A cloud mask on the raster's grid, non-zero where a cloud hides the ground.</summary>
    public RasterBand? Clouds { get; init; }

    public ZonalOptions Zonal { get; init; } = new();
}

/// <summary>Insured acreage measured from a raster, an operation on the <see cref="ZonalProcessor"/>: for
/// each plot, the exact covered share of every cell times the cell's ground area, summed over the cells
/// that meet the rule.</summary>
public static class AcreageMeasurement
{
    public static IReadOnlyList<PlotMeasurement> Measure(GdalRaster raster, IReadOnlyList<PlotFeature> plots, CellRule rule, string? date, MeasureOptions? options = null)
    {
        options ??= new MeasureOptions();
        return ZonalProcessor.Run(new Operation(raster, rule, date, options), plots, options.Zonal);
    }

    private sealed class Operation : IZonalOperation<PlotMeasurement>
    {
        private readonly CellRule _rule;
        private readonly string? _date;
        private readonly MeasureOptions _options;
        private readonly string _crs;

        public Operation(GdalRaster raster, CellRule rule, string? date, MeasureOptions options)
        {
            (_rule, _date, _options) = (rule, date, options);
            _crs = raster.Epsg ?? "custom CRS (see the raster's WKT)";
            var layers = rule.Bands.Select(b => new RasterBand(raster, b)).ToList();
            if (options.Clouds is not null)
                layers.Add(options.Clouds);
            Layers = layers;
        }

        public IReadOnlyList<RasterBand> Layers { get; }

        public IZonalAccumulator<PlotMeasurement> Begin(ZonalPlot plot, PlotCells cells) => new Accumulator(this, plot);

        private sealed class Accumulator(Operation op, ZonalPlot plot) : IZonalAccumulator<PlotMeasurement>
        {
            private double _hidden, _invalid, _measured;

            [MethodImpl(MethodImplOptions.AggressiveOptimization)]
            public void Add(ZonalBlock block)
            {
                var clouds = op._options.Clouds is null ? null : block.Layers[^1];
                var n = block.Rows * block.Columns;
                var (fractions, areas, first) = (block.Fractions, block.CellAreas, block.Layers[0]);
                // One loop per rule, so that the rule is not decided again for every cell.
                switch (op._rule)
                {
                    case CellRule.BandAtLeast or CellRule.BandInClasses:
                        var min = (op._rule as CellRule.BandAtLeast)?.Min ?? 0;
                        var classes = (op._rule as CellRule.BandInClasses)?.Classes;
                        for (var i = 0; i < n; i++)
                        {
                            if (fractions[i] == 0)
                                continue;
                            var a = fractions[i] * areas[i];
                            var v = first[i];
                            if (double.IsNaN(v) || (clouds is not null && RasterBand.IsCloud(clouds[i])))
                                _hidden += a;
                            else if (classes is null ? v >= min : v == Math.Floor(v) && v is >= int.MinValue and <= int.MaxValue && classes.Contains((int)v))
                                _measured += a;
                        }
                        break;
                    case CellRule.NdviAtLeast ndvi:
                        var nir = block.Layers[1];
                        for (var i = 0; i < n; i++)
                        {
                            if (fractions[i] == 0)
                                continue;
                            var a = fractions[i] * areas[i];
                            var (red, infrared) = (first[i], nir[i]);
                            if (double.IsNaN(red) || double.IsNaN(infrared) || (clouds is not null && RasterBand.IsCloud(clouds[i])))
                                _hidden += a;
                            else if (Ndvi.Of(red, infrared) is not { } v)
                                _invalid += a;
                            else if (v >= ndvi.Min)
                                _measured += a;
                        }
                        break;
                }
            }

            public PlotMeasurement End(double insideM2)
            {
                var whole = plot.AreaM2;
                double Share(double m2) => whole > 0 ? Math.Min(1, m2 / whole) : 0;
                var (inside, hidden, invalid) = (Share(insideM2), Share(_hidden), Share(_invalid));
                var max = op._options.MaxHiddenShare;
                var quality = PlotQualities.Judge(inside, hidden + invalid, max);
                return new PlotMeasurement(plot.Feature.Id, whole, _measured, _measured / Domain.Area.SquareMetresPerMu, _measured / Domain.Area.SquareMetresPerHectare,
                    inside, hidden, invalid, op._crs, op._date, quality, PlotQualities.Explain(quality, inside, hidden + invalid, max));
            }
        }
    }
}

/// <summary>The normalised difference vegetation index (Rouse et al. 1974).</summary>
public static class Ndvi
{
    /// <summary>(nir − red) / (nir + red) from reflectances, or null where it is not a valid NDVI: a zero
    /// sum, or a value outside [−1, 1], which only negative reflectance (noise over dark ground, or an
    /// offset as in Sentinel-2 L2A since processing baseline 04.00) can give.</summary>
    public static double? Of(double red, double nir)
    {
        var sum = nir + red;
        if (sum == 0 || double.IsNaN(sum))
            return null;
        var v = (nir - red) / sum;
        return IsValid(v) ? v : null;
    }

    /// <summary>True for a finite NDVI within [−1, 1].</summary>
    public static bool IsValid(double ndvi) => ndvi is >= -1 and <= 1;
}
