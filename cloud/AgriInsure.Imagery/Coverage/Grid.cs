namespace AgriInsure.Imagery.Coverage;

/// <summary>A north-up raster grid in some projected CRS: the top-left corner, the cell size and the
/// number of columns and rows. Row 0 is the northernmost row. Knows nothing about files.</summary>
public sealed record Grid
{
    public Grid(double left, double top, double cellWidth, double cellHeight, int columns, int rows)
    {
        if (!double.IsFinite(left) || !double.IsFinite(top))
            throw new ArgumentException("the grid origin must be finite");
        if (!(cellWidth > 0) || !(cellHeight > 0) || !double.IsFinite(cellWidth) || !double.IsFinite(cellHeight))
            throw new ArgumentException($"cell size {cellWidth}×{cellHeight} must be positive and finite");
        if (columns <= 0 || rows <= 0)
            throw new ArgumentException($"a grid of {columns}×{rows} cells is empty");
        (Left, Top, CellWidth, CellHeight, Columns, Rows) = (left, top, cellWidth, cellHeight, columns, rows);
    }

    public double Left { get; }
    public double Top { get; }
    public double CellWidth { get; }
    public double CellHeight { get; }
    public int Columns { get; }
    public int Rows { get; }

    public double Right => Left + Columns * CellWidth;
    public double Bottom => Top - Rows * CellHeight;
    public double CellArea => CellWidth * CellHeight;

    /// <summary>What differs between this grid and <paramref name="other"/> beyond
    /// <paramref name="tolerance"/> of a cell (origin, cell size, or size in cells), or null when they
    /// are the same grid. A cell size may differ only so little that the far edge moves by less than
    /// the tolerance, so that rounding in a file's geotransform (1e-9 m) is not a mismatch.</summary>
    public string? Mismatch(Grid other, double tolerance)
    {
        if ((Columns, Rows) != (other.Columns, other.Rows))
            return $"size {Columns}×{Rows} cells vs {other.Columns}×{other.Rows}";
        var span = Math.Max(Columns, Rows);
        if (Math.Abs(CellWidth - other.CellWidth) * span > tolerance * CellWidth || Math.Abs(CellHeight - other.CellHeight) * span > tolerance * CellHeight)
            return $"cell size {CellWidth}×{CellHeight} vs {other.CellWidth}×{other.CellHeight}";
        if (Math.Abs(Left - other.Left) > tolerance * CellWidth || Math.Abs(Top - other.Top) > tolerance * CellHeight)
            return $"origin ({Left}, {Top}) vs ({other.Left}, {other.Top}), {Math.Abs(Left - other.Left) / CellWidth:0.###} × {Math.Abs(Top - other.Top) / CellHeight:0.###} cells apart";
        return null;
    }

    public double ColumnLeft(int column) => Left + column * CellWidth;
    public double RowTop(int row) => Top - row * CellHeight;
}

/// <summary>Covered fractions (0..1) of the cells in a window of the grid; cells outside it are 0.</summary>
public sealed record CoverageWindow(int FirstRow, int FirstColumn, int Rows, int Columns, double[] Fractions)
{
    public double this[int row, int column] => Fractions[(row - FirstRow) * Columns + (column - FirstColumn)];

    public static CoverageWindow Empty { get; } = new(0, 0, 0, 0, []);
}
