using AgriInsure.Imagery.Coverage;
using AgriInsure.Imagery.Rasters;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace AgriInsure.Imagery.Plots;

/// <summary>One band of one raster at one acquisition.</summary>
public sealed record RasterBand(GdalRaster Raster, int Band)
{
    /// <summary>Refuses a band that is not on <paramref name="reference"/>'s grid and CRS: resampling would
    /// blur the edges being measured.</summary>
    internal void RequireGridOf(GdalRaster reference)
    {
        if (Raster.Grid != reference.Grid || Raster.ProjectionWkt != reference.ProjectionWkt)
            throw new RasterException(new RasterError(RasterError.GridMismatch, $"{Raster.Path} and {reference.Path} are not on the same grid and CRS"));
    }

    /// <summary>A cloud-mask value hides the ground when it is non-zero or nodata.</summary>
    internal static bool IsCloud(double maskValue) => double.IsNaN(maskValue) || maskValue != 0;
}

/// <summary>The decision for one plot. A plot whose pre- or post-event image is hidden (nodata or cloud)
/// over more than the allowed share is not paid from the map: <see cref="Quality"/> says it needs a
/// clearer image, and the indemnity is 0 until one is found.</summary>
public sealed record ClaimAssessment(string Id, double PlotM2, double DamagedM2, double DamageFraction, decimal Indemnity, double NodataFraction, string Quality);

/// <summary>A crop loss verified by map: cells whose NDVI fell by at least the threshold between the
/// pre- and post-event images, weighted by the plot's exact coverage. Indemnity = sum insured ×
/// max(0, damage fraction − deductible). Both images must be on the same grid: resampling one onto the
/// other would blur the very edges being measured, so it is refused rather than done silently.</summary>
public static class ClaimByMap
{
    /// <summary><paramref name="cloudsBefore"/>/<paramref name="cloudsAfter"/>: optional masks on the same
    /// grid, non-zero where a cloud hides the ground; such cells count as hidden, never as damage.</summary>
    public static IReadOnlyList<ClaimAssessment> Assess(RasterBand before, RasterBand after, IReadOnlyList<PlotFeature> plots, double drop, decimal sumInsured, decimal deductible, out bool[] damagedCells,
        RasterBand? cloudsBefore = null, RasterBand? cloudsAfter = null, double maxHiddenShare = 0.2)
    {
        var grid = after.Raster.Grid;
        foreach (var other in new[] { before, cloudsBefore, cloudsAfter })
            other?.RequireGridOf(after.Raster);
        var projected = Project(after.Raster, plots);
        damagedCells = new bool[grid.Columns * grid.Rows];
        var results = new List<ClaimAssessment>();
        for (var p = 0; p < plots.Count; p++)
        {
            var window = ExactCoverage.Compute(grid, projected[p]);
            double inside = 0, damaged = 0, hidden = 0;
            if (window.Rows > 0)
            {
                var pre = before.Raster.Read(before.Band, window.FirstColumn, window.FirstRow, window.Columns, window.Rows).Values;
                var post = after.Raster.Read(after.Band, window.FirstColumn, window.FirstRow, window.Columns, window.Rows).Values;
                var cloudPre = cloudsBefore?.Raster.Read(cloudsBefore.Band, window.FirstColumn, window.FirstRow, window.Columns, window.Rows).Values;
                var cloudPost = cloudsAfter?.Raster.Read(cloudsAfter.Band, window.FirstColumn, window.FirstRow, window.Columns, window.Rows).Values;
                for (var i = 0; i < pre.Length; i++)
                {
                    var f = window.Fractions[i];
                    if (f == 0)
                        continue;
                    inside += f;
                    if (double.IsNaN(pre[i]) || double.IsNaN(post[i]) || Cloudy(cloudPre, i) || Cloudy(cloudPost, i))
                    {
                        hidden += f;
                        continue;
                    }
                    if (pre[i] - post[i] >= drop)
                    {
                        damaged += f;
                        var row = window.FirstRow + i / window.Columns;
                        var column = window.FirstColumn + i % window.Columns;
                        damagedCells[row * grid.Columns + column] = true;
                    }
                }
            }
            var fraction = inside > 0 ? damaged / inside : 0;
            var hiddenShare = inside > 0 ? hidden / inside : 0;
            var quality = inside == 0 ? "outside-raster" : hiddenShare > maxHiddenShare ? $"needs-clear-image ({hiddenShare:P0} hidden)" : "ok";
            var indemnity = quality == "ok" ? decimal.Round(sumInsured * Math.Max(0m, (decimal)fraction - deductible), 2, MidpointRounding.ToEven) : 0m;
            results.Add(new ClaimAssessment(plots[p].Id, inside * grid.CellArea, damaged * grid.CellArea, fraction, indemnity, hiddenShare, quality));
        }
        return results;
    }

    private static bool Cloudy(double[]? mask, int i) => mask is not null && RasterBand.IsCloud(mask[i]);

    /// <summary>The post-event band in grey, damaged cells inside the plots in red, plot outlines in
    /// yellow; each cell drawn as a square of <paramref name="scale"/> pixels.</summary>
    public static void SaveMap(RasterBand after, IReadOnlyList<PlotFeature> plots, bool[] damagedCells, string path, int scale = 4)
    {
        var grid = after.Raster.Grid;
        if ((long)grid.Columns * grid.Rows * scale * scale > 64_000_000)
            throw new RasterException(new RasterError(RasterError.OutsideRaster, $"a {grid.Columns}×{grid.Rows} map at {scale}× is too large to draw"));
        var values = after.Raster.Read(after.Band, 0, 0, grid.Columns, grid.Rows).Values;
        var finite = values.Where(double.IsFinite).ToArray();
        var (lo, hi) = finite.Length == 0 ? (0.0, 1.0) : (finite.Min(), finite.Max());
        using var image = new Image<Rgb24>(grid.Columns * scale, grid.Rows * scale);
        for (var r = 0; r < grid.Rows; r++)
        {
            for (var c = 0; c < grid.Columns; c++)
            {
                var v = values[r * grid.Columns + c];
                var grey = double.IsFinite(v) ? (byte)Math.Clamp((v - lo) / Math.Max(hi - lo, 1e-12) * 255, 0, 255) : (byte)0;
                var colour = damagedCells[r * grid.Columns + c] ? new Rgb24(220, 30, 30) : new Rgb24(grey, grey, grey);
                for (var dy = 0; dy < scale; dy++)
                    for (var dx = 0; dx < scale; dx++)
                        image[c * scale + dx, r * scale + dy] = colour;
            }
        }
        foreach (var polygon in Project(after.Raster, plots))
        {
            foreach (var ring in polygon.SelectMany(p => p.Rings))
            {
                for (var i = 0; i < ring.Length; i += 2)
                {
                    var j = (i + 2) % ring.Length;
                    Line(image, Pixel(grid, ring[i], ring[i + 1], scale), Pixel(grid, ring[j], ring[j + 1], scale));
                }
            }
        }
        image.SaveAsPng(path);
    }

    private static (int X, int Y) Pixel(Grid grid, double x, double y, int scale) =>
        ((int)Math.Round((x - grid.Left) / grid.CellWidth * scale), (int)Math.Round((grid.Top - y) / grid.CellHeight * scale));

    private static void Line(Image<Rgb24> image, (int X, int Y) a, (int X, int Y) b)
    {
        var steps = Math.Max(Math.Abs(b.X - a.X), Math.Abs(b.Y - a.Y));
        for (var s = 0; s <= steps; s++)
        {
            var x = steps == 0 ? a.X : a.X + (b.X - a.X) * s / steps;
            var y = steps == 0 ? a.Y : a.Y + (b.Y - a.Y) * s / steps;
            if (x >= 0 && y >= 0 && x < image.Width && y < image.Height)
                image[x, y] = new Rgb24(255, 220, 0);
        }
    }

    private static List<List<PolygonRings>> Project(GdalRaster raster, IReadOnlyList<PlotFeature> plots)
    {
        using var transform = PlotProjection.ToRaster(raster);
        return plots.Select(plot => PlotProjection.Project(transform, plot.Id, PlotProjection.Parts(plot.Outline))).ToList();
    }
}
