namespace AgriInsure.Imagery.Rendering;

/// <summary>
/// A claim window reduced to at most one block per panel pixel. Block (bx, by) of a <c>Width</c> × <c>Height</c> grid holds
/// the cells whose column c has ⌊c·Width/Columns⌋ = bx and whose row r has ⌊r·Height/Rows⌋ = by, so every cell lands in
/// exactly one block and, when the window is no larger than the panel, each block is one cell.
/// <para>The rule that keeps evidence visible: a block's assessment is the highest-priority cell in it,
/// Damaged &gt; Hidden &gt; Clear &gt; Outside, so a single damaged cell in a 5000 × 5000 window still colours its block,
/// and an unobserved cell is never averaged away into "clear". A block's NDVI is the mean of its cells' finite
/// values (NaN when it has none), which is what the eye would see at that size.</para>
/// </summary>
internal sealed class CellBlocks
{
    private CellBlocks(int width, int height, float[] before, float[] after, MapCell[] cells)
    {
        Width = width;
        Height = height;
        Before = before;
        After = after;
        Cells = cells;
    }

    public int Width { get; }

    public int Height { get; }

    public float[] Before { get; }

    public float[] After { get; }

    public MapCell[] Cells { get; }

    /// <summary>Whether a block holds more than one cell on either axis.</summary>
    public bool Reduced { get; private init; }

    /// <summary>Reduces <paramref name="request"/>'s window to at most <paramref name="maxWidth"/> × <paramref name="maxHeight"/> blocks.</summary>
    public static CellBlocks From(ClaimMapRequest request, int maxWidth, int maxHeight)
    {
        var width = Math.Min(request.Columns, maxWidth);
        var height = Math.Min(request.Rows, maxHeight);
        var columnBlock = BlockOf(request.Columns, width);
        var rowBlock = BlockOf(request.Rows, height);
        var count = width * height;
        var beforeSum = new double[count];
        var afterSum = new double[count];
        var beforeN = new int[count];
        var afterN = new int[count];
        var cells = new MapCell[count];
        for (var r = 0; r < request.Rows; r++)
        {
            var blockRow = rowBlock[r] * width;
            var cellRow = (long)r * request.Columns;
            for (var c = 0; c < request.Columns; c++)
            {
                var b = blockRow + columnBlock[c];
                var i = cellRow + c;
                var before = request.Before[i];
                if (float.IsFinite(before))
                {
                    beforeSum[b] += before;
                    beforeN[b]++;
                }

                var after = request.After[i];
                if (float.IsFinite(after))
                {
                    afterSum[b] += after;
                    afterN[b]++;
                }

                if (Priority(request.Cells[i]) > Priority(cells[b]))
                    cells[b] = request.Cells[i];
            }
        }

        return new CellBlocks(width, height, Means(beforeSum, beforeN), Means(afterSum, afterN), cells)
        {
            Reduced = width < request.Columns || height < request.Rows,
        };
    }

    /// <summary>Damaged &gt; Hidden &gt; Clear &gt; Outside: the order in which a block shows its cells.</summary>
    internal static int Priority(MapCell cell) => cell switch
    {
        MapCell.Damaged => 3,
        MapCell.Hidden => 2,
        MapCell.Clear => 1,
        _ => 0,
    };

    private static int[] BlockOf(int cells, int blocks)
    {
        var map = new int[cells];
        for (var i = 0; i < cells; i++)
            map[i] = (int)((long)i * blocks / cells);
        return map;
    }

    private static float[] Means(double[] sums, int[] counts)
    {
        var means = new float[sums.Length];
        for (var i = 0; i < sums.Length; i++)
            means[i] = counts[i] == 0 ? float.NaN : (float)(sums[i] / counts[i]);
        return means;
    }
}
