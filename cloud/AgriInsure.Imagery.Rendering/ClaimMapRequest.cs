namespace AgriInsure.Imagery.Rendering;

/// <summary>What one cell of a claim window is, for the assessment.</summary>
public enum MapCell : byte
{
    /// <summary>Not under the plot: drawn faded for context, never assessed.</summary>
    Outside,

    /// <summary>Under the plot, observed on both dates, not damaged.</summary>
    Clear,

    /// <summary>Under the plot, observed on both dates, damaged.</summary>
    Damaged,

    /// <summary>Under the plot but not observable (cloud, shadow, no data) on at least one of the dates: not assessed.</summary>
    Hidden,
}

/// <summary>
/// One plot's claim-by-map evidence: NDVI before and after the event over the plot's raster window, the
/// assessment per cell, and what to print beside it.
/// </summary>
/// <param name="PlotId">The plot's id, printed in the title (may be Chinese).</param>
/// <param name="BeforeLabel">When the before image was taken, as the officer should read it (e.g. "2026-05-02 10:31 UTC").</param>
/// <param name="AfterLabel">When the after image was taken, likewise.</param>
/// <param name="Columns">Window width in raster cells, ≥ 1.</param>
/// <param name="Rows">Window height in raster cells, ≥ 1.</param>
/// <param name="Before">NDVI per cell before the event, row-major from the window's north-west corner, length Columns × Rows; NaN = no value.</param>
/// <param name="After">NDVI per cell after the event, same shape as <paramref name="Before"/>.</param>
/// <param name="Cells">Assessment per cell, same shape as <paramref name="Before"/>.</param>
/// <param name="Outline">The plot's rings (at least one, each at least 3 points) in window cell units: (0, 0) is the window's
/// top-left corner, (Columns, Rows) its bottom-right; x grows east (columns), y south (rows).</param>
/// <param name="CellWidthM">Ground width of one cell in metres, &gt; 0 (for the scale bar and the panels' aspect).</param>
/// <param name="CellHeightM">Ground height of one cell in metres, &gt; 0.</param>
/// <param name="NorthDegrees">Direction of true north from "up", clockwise, in degrees (0 for lon/lat grids, the grid convergence for projections).</param>
/// <param name="Figures">Label/value rows printed as a table (areas, damage share, deductible, indemnity with currency, quality), in
/// the language of <see cref="Text"/>; a long label or value wraps within its column.</param>
/// <param name="Provenance">Key/value pairs embedded as PNG text chunks and printed in the footer; keys are PNG keywords (1–79 Latin-1 characters).</param>
public sealed record ClaimMapRequest(
    string PlotId,
    string BeforeLabel,
    string AfterLabel,
    int Columns,
    int Rows,
    float[] Before,
    float[] After,
    MapCell[] Cells,
    IReadOnlyList<IReadOnlyList<(double Column, double Row)>> Outline,
    double CellWidthM,
    double CellHeightM,
    double NorthDegrees,
    IReadOnlyList<(string Label, string Value)> Figures,
    IReadOnlyList<(string Key, string Value)> Provenance)
{
    /// <summary>The words the map is drawn with (captions, legend, scale, north, footer heading): English unless set.</summary>
    public ClaimMapText Text { get; init; } = ClaimMapText.English;
}
