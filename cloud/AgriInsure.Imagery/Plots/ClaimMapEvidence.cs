using AgriInsure.Domain;
using AgriInsure.Imagery.Rendering;
using AgriInsure.Imagery.Zonal;

namespace AgriInsure.Imagery.Plots;

/// <summary>A plot's claim map window (<see cref="ClaimByMap"/>) as the evidence map <see cref="ClaimMap"/> draws: the
/// window's cells with their ground scale and north where the plot meets the raster, and the figures an officer reads
/// beside it (location, areas, shares, quality, indemnity), in one language. One drawing for the CLI's maps and the cloud's.</summary>
public static class ClaimMapEvidence
{
    /// <summary>The request for <paramref name="window"/> of <paramref name="plot"/> on <paramref name="before"/> and
    /// <paramref name="after"/>, its figures and captions worded by <paramref name="text"/>; <paramref name="provenance"/> pairs
    /// are embedded as PNG text chunks (keys 1–79 Latin-1 characters) and printed in the footer untranslated, the plot's id
    /// after them.</summary>
    public static ClaimMapRequest Request(ClaimMapWindow window, PlotFeature plot, RasterBand before, RasterBand after, IEnumerable<(string Key, string Value)> provenance,
        ClaimMapText text)
    {
        var a = window.Assessment;
        // The scale where the plot meets the raster (its window may reach past the raster's edge).
        var grid = after.Raster.Grid;
        var ground = GroundCell.At(after.Raster, Math.Clamp(window.FirstRow + window.Rows * window.Factor / 2, 0, grid.Rows - 1),
            Math.Clamp(window.FirstColumn + window.Columns * window.Factor / 2, 0, grid.Columns - 1));
        return new ClaimMapRequest(a.Id, Label(before, text), Label(after, text), window.Columns, window.Rows, window.Before, window.After, window.Cells, window.Outline,
            ground.WidthM * window.Factor, ground.HeightM * window.Factor, ground.NorthDegrees, Figures(window, plot, text), provenance.Append(("plot", a.Id)).ToList())
        {
            Text = text,
        };
    }

    /// <summary>The figures table of <paramref name="window"/>: label and value per row, worded by <paramref name="text"/>.</summary>
    internal static IReadOnlyList<(string Label, string Value)> Figures(ClaimMapWindow window, PlotFeature plot, ClaimMapText text)
    {
        var a = window.Assessment;
        // Where to find the field on the ground: its centroid, latitude first as people read it.
        var centre = plot.Outline.Centroid;
        var latitude = text.Format(centre.Y >= 0 ? text.LatitudeNorth : text.LatitudeSouth, Math.Abs(centre.Y));
        var longitude = text.Format(centre.X >= 0 ? text.LongitudeEast : text.LongitudeWest, Math.Abs(centre.X));
        var quality = Quality(text, a.Quality);
        var note = Note(text, a, window.MaxHiddenShare);
        return
        [
            (text.LocationLabel, text.Format(text.Location, latitude, longitude)),
            (text.PlotAreaLabel, text.Format(text.Area, a.PlotM2, a.PlotM2 / Area.SquareMetresPerMu)),
            // The hatched part of the plot beyond the image's edge is counted here, not as hidden.
            (text.CoveredLabel, text.Format(text.Shares, a.CoveredFraction, 1 - a.CoveredFraction)),
            (text.DamagedLabel, text.Format(text.Damaged, a.DamagedM2, a.DamageFraction)),
            (text.HiddenLabel, text.Format(text.Shares, a.NodataFraction, a.InvalidFraction)),
            (text.QualityLabel, note.Length == 0 ? quality : text.Format(text.QualityWithNote, quality, note)),
            (text.IndemnityLabel, text.Format(text.Money, a.Indemnity.Amount, a.Indemnity.Currency)),
        ];
    }

    private static string Quality(ClaimMapText text, PlotQuality quality) => quality switch
    {
        PlotQuality.Ok => text.QualityOk,
        PlotQuality.NeedsClearImage => text.QualityNeedsClearImage,
        PlotQuality.AllHidden => text.QualityAllHidden,
        PlotQuality.PartlyOutsideRaster => text.QualityPartlyOutsideRaster,
        PlotQuality.OutsideRaster => text.QualityOutsideRaster,
        _ => throw new ArgumentOutOfRangeException(nameof(quality), quality, "not a plot quality"),
    };

    /// <summary>Why the quality is what it is, from the same figures as <see cref="PlotQualities.Explain"/> (whose English
    /// sentence the assessment keeps as its note for the CLI and the logs); empty for a plot the map can pay.</summary>
    private static string Note(ClaimMapText text, ClaimAssessment a, double maxHidden) => a.Quality switch
    {
        PlotQuality.Ok => "",
        PlotQuality.NeedsClearImage => text.Format(text.NoteNeedsClearImage, a.NodataFraction + a.InvalidFraction, maxHidden),
        PlotQuality.AllHidden => text.NoteAllHidden,
        PlotQuality.PartlyOutsideRaster => text.Format(text.NotePartlyOutsideRaster, a.CoveredFraction),
        _ => text.NoteOutsideRaster,
    };

    /// <summary>When the image was taken as its band states it, else the file and band.</summary>
    private static string Label(RasterBand band, ClaimMapText text) =>
        band.Raster.Description(band.Band) is { Length: >= 10 } d ? d : text.Format(text.FileBand, Path.GetFileName(band.Raster.Path), band.Band);
}
