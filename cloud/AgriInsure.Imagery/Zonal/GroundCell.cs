using AgriInsure.Imagery.Rasters;

namespace AgriInsure.Imagery.Zonal;

/// <summary>A raster cell's size on the ground and the direction of true north on the grid at one place:
/// what a map needs for its scale bar and north arrow.</summary>
/// <param name="WidthM">East-west ground length of one cell, m.</param>
/// <param name="HeightM">North-south ground length of one cell, m.</param>
/// <param name="NorthDegrees">Direction of true north from grid up, clockwise, degrees (the grid
/// convergence; 0 on longitude/latitude grids).</param>
public sealed record GroundCell(double WidthM, double HeightM, double NorthDegrees)
{
    /// <summary>At the centre of cell (<paramref name="row"/>, <paramref name="column"/>). The cell's
    /// ground area comes from <see cref="CellAreas"/>; its sides split it in the ratio of the grid's own
    /// sides (conformal projections keep that ratio; on longitude/latitude grids the north-south side is
    /// the meridian arc). Errors: <see cref="RasterException"/> where the CRS cannot be related to WGS84.</summary>
    public static GroundCell At(GdalRaster raster, int row, int column)
    {
        var grid = raster.Grid;
        using var areas = CellAreas.For(raster);
        Span<double> area = stackalloc double[1];
        areas.Row(row, column, area);
        if (raster.IsGeographic)
        {
            var height = grid.CellHeight * Math.PI / 180 * CellAreas.Radii(grid.RowTop(row) - grid.CellHeight / 2).Meridian;
            return new GroundCell(area[0] / height, height, 0);
        }
        var x = grid.ColumnLeft(column) + grid.CellWidth / 2;
        var y = grid.RowTop(row) - grid.CellHeight / 2;
        if (!CoordinateTransform.TryCreate(raster.ProjectionWkt, "EPSG:4326", out var toLonLat, out var error))
            throw new RasterException(error);
        using (toLonLat)
        {
            if (!CoordinateTransform.TryCreate("EPSG:4326", raster.ProjectionWkt, out var fromLonLat, out error))
                throw new RasterException(error);
            using var from = fromLonLat;
            var point = new[] { x, y };
            if (!toLonLat.TryTransform(point, out error))
                throw new RasterException(error);
            var north = new[] { point[0], point[1], point[0], Math.Min(90, point[1] + 1e-4) };
            if (!from.TryTransform(north, out error))
                throw new RasterException(error);
            var convergence = Math.Atan2(north[2] - north[0], north[3] - north[1]) * 180 / Math.PI;
            var ratio = grid.CellWidth / grid.CellHeight;
            return new GroundCell(Math.Sqrt(area[0] * ratio), Math.Sqrt(area[0] / ratio), convergence);
        }
    }
}
