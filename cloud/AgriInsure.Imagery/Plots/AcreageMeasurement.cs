using AgriInsure.Imagery.Coverage;
using AgriInsure.Imagery.Geodesy;
using AgriInsure.Imagery.Rasters;

namespace AgriInsure.Imagery.Plots;

/// <summary>Which cells count as insured crop: a band's value at or above a minimum, a band's class in a
/// list, or NDVI from a red and a near-infrared band at or above a minimum.</summary>
public abstract record CellRule
{
    public sealed record BandAtLeast(int Band, double Min) : CellRule;

    public sealed record BandInClasses(int Band, IReadOnlySet<int> Classes) : CellRule;

    public sealed record NdviAtLeast(int Red, int Nir, double Min) : CellRule;
}

public sealed record PlotMeasurement(
    string Id,
    double AreaM2,
    double MeasuredM2,
    double MeasuredMu,
    double MeasuredHa,
    double CoveredFraction,
    double NodataFraction,
    string Crs,
    string? Date,
    string Quality);

/// <summary>Insured acreage measured from a raster: for each plot, the exact covered share of every cell
/// (after moving the outline into the raster's CRS) times the cell's area, summed over the cells that
/// meet the rule. Cells of longitude/latitude rasters are measured on the ellipsoid row by row.</summary>
public static class AcreageMeasurement
{
    public static IReadOnlyList<PlotMeasurement> Measure(GdalRaster raster, IReadOnlyList<PlotFeature> plots, CellRule rule, string? date, double maxHiddenShare = 0.2)
    {
        using (var transform = PlotProjection.ToRaster(raster))
        {
            var crs = raster.Epsg ?? "custom CRS (see the raster's WKT)";
            var rowAreas = new Dictionary<int, double>();
            double CellArea(int row)
            {
                if (!raster.IsGeographic)
                    return raster.Grid.CellArea;
                if (!rowAreas.TryGetValue(row, out var area))
                {
                    var g = raster.Grid;
                    var (left, top) = (g.Left, g.RowTop(row));
                    rowAreas[row] = area = GeodesicArea.OfRing([(left, top), (left + g.CellWidth, top), (left + g.CellWidth, top - g.CellHeight), (left, top - g.CellHeight)]);
                }
                return area;
            }

            var results = new List<PlotMeasurement>();
            foreach (var plot in plots)
            {
                var geodesic = PlotProjection.Parts(plot.Outline).Sum(p => GeodesicArea.OfPolygon(p.Select(r => (IReadOnlyList<(double, double)>)r.Select(c => (c.X, c.Y)).ToList()).ToList()));
                var projected = PlotProjection.Project(transform, plot);
                var planar = projected.Sum(p => p.Rings.Select((r, k) => (k == 0 ? 1 : -1) * Math.Abs(ExactCoverage.SignedArea(r))).Sum());
                var total = raster.IsGeographic ? geodesic : planar;
                var window = ExactCoverage.Compute(raster.Grid, projected);
                double inside = 0, hidden = 0, measured = 0;
                if (window.Rows > 0)
                {
                    var values = CellValues(raster, rule, window);
                    for (var r = 0; r < window.Rows; r++)
                    {
                        var cellArea = CellArea(window.FirstRow + r);
                        for (var c = 0; c < window.Columns; c++)
                        {
                            var i = r * window.Columns + c;
                            var f = window.Fractions[i];
                            if (f == 0)
                                continue;
                            inside += f * cellArea;
                            if (values[i] is null)
                                hidden += f * cellArea;
                            else if (values[i] == true)
                                measured += f * cellArea;
                        }
                    }
                }
                var covered = total > 0 ? Math.Min(1, inside / total) : 0;
                var nodata = inside > 0 ? hidden / inside : 0;
                var quality = inside == 0 ? "outside-raster"
                    : covered < 0.999 ? $"partly-outside-raster ({covered:P1} inside)"
                    : nodata > maxHiddenShare ? $"hidden ({nodata:P1} nodata or cloud, over {maxHiddenShare:P0})"
                    : "ok";
                results.Add(new PlotMeasurement(plot.Id, geodesic, measured, measured / AgriInsure.Domain.Area.SquareMetresPerMu, measured / AgriInsure.Domain.Area.SquareMetresPerHectare, covered, nodata, crs, date, quality));
            }
            return results;
        }
    }

    /// <summary>Per cell of the window: true (meets the rule), false (does not) or null (nodata).</summary>
    private static bool?[] CellValues(GdalRaster raster, CellRule rule, CoverageWindow w)
    {
        double[] Read(int band) => raster.Read(band, w.FirstColumn, w.FirstRow, w.Columns, w.Rows).Values;
        var result = new bool?[w.Rows * w.Columns];
        switch (rule)
        {
            case CellRule.BandAtLeast b:
            {
                var v = Read(b.Band);
                for (var i = 0; i < v.Length; i++)
                    result[i] = double.IsNaN(v[i]) ? null : v[i] >= b.Min;
                break;
            }
            case CellRule.BandInClasses b:
            {
                var v = Read(b.Band);
                for (var i = 0; i < v.Length; i++)
                    result[i] = double.IsNaN(v[i]) ? null : b.Classes.Contains((int)v[i]);
                break;
            }
            case CellRule.NdviAtLeast n:
            {
                var red = Read(n.Red);
                var nir = Read(n.Nir);
                for (var i = 0; i < red.Length; i++)
                {
                    var sum = nir[i] + red[i];
                    result[i] = double.IsNaN(sum) || sum == 0 ? null : (nir[i] - red[i]) / sum >= n.Min;
                }
                break;
            }
        }
        return result;
    }
}
