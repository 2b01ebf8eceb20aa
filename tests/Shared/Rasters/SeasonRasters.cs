using AgriInsure.Imagery.Coverage;
using AgriInsure.Imagery.Rasters;

namespace AgriInsure.Tests;

/// <summary>A season written into a raster folder, generated so tests need nothing beside the repository: a dated NDVI
/// stack in UTM zone 48N (EPSG:32648, about 1° of grid convergence at 103° E) over 102.995–103.025° E, 29.995–30.015° N,
/// 10 m cells, acquired on the first of April to July 2027 (<see cref="Dates"/>): NDVI 0.7 everywhere, except 0.2 west of
/// <see cref="FailingWestOf"/> from May on; its cloud-mask stack hides everything in June; <c>seasons.json</c> names them
/// as season 2027. Files: <c>season/ndvi_stack.tif</c>, <c>season/clouds_stack.tif</c>, <c>seasons.json</c>.</summary>
internal static class SeasonRasters
{
    public static readonly string[] Dates = ["2027-04-01T03:00:00", "2027-05-01T03:00:00", "2027-06-01T03:00:00", "2027-07-01T03:00:00"];

    /// <summary>East of this longitude the crop grows all season; west of it it fails from May.</summary>
    public const double FailingWestOf = 103.008;

    public const string Stack = "season/ndvi_stack.tif";

    public static void Write(string folder)
    {
        var season = Directory.CreateDirectory(Path.Combine(folder, "season")).FullName;
        var grid = UtmGrid();
        var failing = Failing(grid);
        using (var ndvi = GeoTiffWriter.Create(Path.Combine(season, "ndvi_stack.tif"), grid, "EPSG:32648", Dates.Length, nodata: -9999))
        using (var clouds = GeoTiffWriter.Create(Path.Combine(season, "clouds_stack.tif"), grid, "EPSG:32648", Dates.Length))
        {
            for (var d = 0; d < Dates.Length; d++)
            {
                ndvi.Write(d + 1, 0, [.. failing.Select(f => d > 0 && f ? 0.2f : 0.7f)]);
                ndvi.Describe(d + 1, Dates[d]);
                clouds.Write(d + 1, 0, [.. failing.Select(_ => d == 2 ? 1f : 0f)]);
                clouds.Describe(d + 1, Dates[d]);
            }
        }
        File.WriteAllText(Path.Combine(folder, "seasons.json"), """
            {"seasons": [{"name": "2027", "from": "2027-01-01", "to": "2027-12-31",
                          "acquisitions": [{"ndvi": "season/ndvi_stack.tif", "clouds": "season/clouds_stack.tif"}]}]}
            """);
    }

    private static Grid UtmGrid()
    {
        if (!CoordinateTransform.TryCreate("EPSG:4326", "EPSG:32648", out var transform, out var error))
            throw new InvalidOperationException(error.ToString());
        double[] corners = [102.995, 30.015, 103.025, 29.995];
        using (transform)
        {
            if (!transform.TryTransform(corners, out error))
                throw new InvalidOperationException(error.ToString());
        }
        return new Grid(Math.Floor(corners[0]), Math.Ceiling(corners[1]), 10, 10, (int)Math.Ceiling((corners[2] - corners[0]) / 10), (int)Math.Ceiling((corners[1] - corners[3]) / 10));
    }

    /// <summary>Whether each cell's centre lies west of <see cref="FailingWestOf"/>, found through GDAL.</summary>
    private static bool[] Failing(Grid grid)
    {
        var xy = new double[2 * grid.Columns * grid.Rows];
        for (var r = 0; r < grid.Rows; r++)
            for (var c = 0; c < grid.Columns; c++)
                (xy[2 * (r * grid.Columns + c)], xy[2 * (r * grid.Columns + c) + 1]) = (grid.ColumnLeft(c) + grid.CellWidth / 2, grid.RowTop(r) - grid.CellHeight / 2);
        if (!CoordinateTransform.TryCreate("EPSG:32648", "EPSG:4326", out var back, out var error))
            throw new InvalidOperationException(error.ToString());
        using (back)
        {
            if (!back.TryTransform(xy, out error))
                throw new InvalidOperationException(error.ToString());
        }
        return [.. Enumerable.Range(0, xy.Length / 2).Select(k => xy[2 * k] < FailingWestOf)];
    }
}
