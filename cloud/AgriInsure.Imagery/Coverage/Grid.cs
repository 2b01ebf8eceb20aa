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

    public double ColumnLeft(int column) => Left + column * CellWidth;
    public double RowTop(int row) => Top - row * CellHeight;
}

/// <summary>Covered fractions (0..1) of the cells in a window of the grid; cells outside it are 0.</summary>
public sealed record CoverageWindow(int FirstRow, int FirstColumn, int Rows, int Columns, double[] Fractions)
{
    public double this[int row, int column] => Fractions[(row - FirstRow) * Columns + (column - FirstColumn)];

    public static CoverageWindow Empty { get; } = new(0, 0, 0, 0, []);
}
