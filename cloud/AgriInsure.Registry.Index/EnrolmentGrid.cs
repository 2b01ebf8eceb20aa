using AgriInsure.Domain;

namespace AgriInsure.Registry.Index;

/// <summary>Enrolment GPS fixes bucketed in a fixed latitude/longitude grid, for the radius scope. A query
/// visits the cells of the radius's bounding box and keeps the fixes within the great-circle radius, so it
/// costs the animals near the capture, not the registry. A fixed grid rather than an STR-tree because fixes
/// arrive one at a time (an STR-tree is bulk-loaded and would be rebuilt) and a cell of 0.25° (about 28 km
/// north–south) holds a 20 km radius in at most a few cells. Not thread-safe: the index calls it under its lock.</summary>
internal sealed class EnrolmentGrid
{
    private const double CellDegrees = 0.25;
    private const int LongitudeCells = (int)(360 / CellDegrees);
    private readonly Dictionary<(int Row, int Column), List<(int Template, GeoPoint Fix)>> _cells = [];

    public void Add(int template, GeoPoint fix)
    {
        var key = Cell(fix);
        if (!_cells.TryGetValue(key, out var cell))
            _cells[key] = cell = [];
        cell.Add((template, fix));
    }

    /// <summary>The templates whose fix lies within <paramref name="radius"/> of <paramref name="centre"/>.</summary>
    public int[] Within(GeoPoint centre, Length radius)
    {
        var found = new List<int>();
        foreach (var key in CellsAround(centre, radius))
        {
            if (!_cells.TryGetValue(key, out var cell))
                continue;
            foreach (var (template, fix) in cell)
            {
                if (centre.DistanceTo(fix) <= radius)
                    found.Add(template);
            }
        }
        return [.. found];
    }

    /// <summary>The cells a circle can touch: its latitude band widened by the radius as an angle, and in
    /// longitude by that angle over the cosine of the band's latitude farthest from the equator (the circle is
    /// widest in longitude there). Near a pole, when the box wraps the globe, or when it would hold more cells
    /// than are filled, every filled cell is visited instead.</summary>
    private IEnumerable<(int Row, int Column)> CellsAround(GeoPoint centre, Length radius)
    {
        var angle = double.RadiansToDegrees(radius.Metres / GeoPoint.MeanEarthRadiusMetres);
        var south = centre.Latitude - angle;
        var north = centre.Latitude + angle;
        var widest = Math.Max(Math.Abs(south), Math.Abs(north));
        var halfWidth = widest >= 89 ? 180 : angle / Math.Cos(double.DegreesToRadians(widest));
        var (firstRow, lastRow) = (Row(south), Row(north));
        var (firstColumn, lastColumn) = (Column(centre.Longitude - halfWidth), Column(centre.Longitude + halfWidth));
        var boxCells = (long)(lastRow - firstRow + 1) * (lastColumn - firstColumn + 1);
        if (halfWidth >= 180 || lastColumn - firstColumn + 1 >= LongitudeCells || boxCells > _cells.Count)
            return _cells.Keys;
        return from row in Enumerable.Range(firstRow, lastRow - firstRow + 1)
               from column in Enumerable.Range(firstColumn, lastColumn - firstColumn + 1)
               select (row, Wrap(column));
    }

    private static (int Row, int Column) Cell(GeoPoint p) => (Row(p.Latitude), Wrap(Column(p.Longitude)));

    private static int Row(double latitude) => (int)Math.Floor(latitude / CellDegrees);

    private static int Column(double longitude) => (int)Math.Floor(longitude / CellDegrees);

    /// <summary>Columns east of 180° or west of −180° are the same cells as those across the antimeridian.</summary>
    private static int Wrap(int column) => ((column % LongitudeCells) + LongitudeCells) % LongitudeCells;
}
