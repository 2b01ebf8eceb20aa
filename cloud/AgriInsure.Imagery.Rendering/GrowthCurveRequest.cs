namespace AgriInsure.Imagery.Rendering;

/// <summary>
/// One acquisition on a plot's season curve.
/// </summary>
/// <param name="Time">When the image was taken (drawn on a UTC time axis).</param>
/// <param name="Mean">Mean NDVI over the plot's valid cells, in −1…1; null when no cell was valid.</param>
/// <param name="Median">Median NDVI over the plot's valid cells, in −1…1; null when no cell was valid. The neighbours' curve
/// is drawn from it (falling back to <paramref name="Mean"/>).</param>
/// <param name="ValidShare">Share of the plot's cells that were observed, 0…1.</param>
/// <param name="Cloudy">Too cloudy to trust: marked, never joined into the line.</param>
/// <param name="Alert">The monitoring raised an alert on this date: marked in red.</param>
public sealed record GrowthPoint(DateTimeOffset Time, double? Mean, double? Median, double ValidShare, bool Cloudy, bool Alert);

/// <summary>One plot's season monitoring curve.</summary>
/// <param name="PlotId">The plot's id, printed in the title (may be Chinese).</param>
/// <param name="Points">The plot's acquisitions, at least one, in any order.</param>
/// <param name="Neighbours">The neighbouring plots' median curve, drawn dashed; null when there is none.</param>
/// <param name="Provenance">Key/value pairs embedded as PNG text chunks and printed in the footer; keys are PNG keywords (1–79 Latin-1 characters).</param>
public sealed record GrowthCurveRequest(
    string PlotId,
    IReadOnlyList<GrowthPoint> Points,
    IReadOnlyList<GrowthPoint>? Neighbours,
    IReadOnlyList<(string Key, string Value)> Provenance);
