using System.Globalization;
using AgriInsure.Domain;
using AgriInsure.Imagery.Rendering;
using AgriInsure.Imagery.Zonal;

namespace AgriInsure.Imagery.Plots;

/// <summary>A plot's claim map window (<see cref="ClaimByMap"/>) as the evidence map <see cref="ClaimMap"/> draws: the
/// window's cells with their ground scale and north where the plot meets the raster, and the figures an officer reads
/// beside it (location, areas, shares, quality, indemnity). One drawing for the CLI's maps and the cloud's.</summary>
public static class ClaimMapEvidence
{
    /// <summary>The request for <paramref name="window"/> of <paramref name="plot"/> on <paramref name="before"/> and
    /// <paramref name="after"/>; <paramref name="provenance"/> pairs are embedded as PNG text chunks (keys 1–79 Latin-1
    /// characters) and printed in the footer, the plot's id after them.</summary>
    public static ClaimMapRequest Request(ClaimMapWindow window, PlotFeature plot, RasterBand before, RasterBand after, IEnumerable<(string Key, string Value)> provenance)
    {
        // Where to find the field on the ground: its centroid, latitude first as people read it.
        var centre = plot.Outline.Centroid;
        var a = window.Assessment;
        // The scale where the plot meets the raster (its window may reach past the raster's edge).
        var grid = after.Raster.Grid;
        var ground = GroundCell.At(after.Raster, Math.Clamp(window.FirstRow + window.Rows * window.Factor / 2, 0, grid.Rows - 1),
            Math.Clamp(window.FirstColumn + window.Columns * window.Factor / 2, 0, grid.Columns - 1));
        var figures = new List<(string, string)>
        {
            ("location", string.Create(CultureInfo.InvariantCulture, $"{Math.Abs(centre.Y):0.00000}° {(centre.Y >= 0 ? "N" : "S")}, {Math.Abs(centre.X):0.00000}° {(centre.X >= 0 ? "E" : "W")} (centroid, WGS84)")),
            ("plot area", $"{a.PlotM2:N1} m² ({a.PlotM2 / Area.SquareMetresPerMu:N2} mu)"),
            // The hatched part of the plot beyond the image's edge is counted here, not as hidden.
            ("inside the images / beyond their edge", $"{a.CoveredFraction:P1} / {1 - a.CoveredFraction:P1}"),
            ("damaged", $"{a.DamagedM2:N1} m² ({a.DamageFraction:P2} of the plot)"),
            ("hidden by cloud or no data / invalid NDVI", $"{a.NodataFraction:P1} / {a.InvalidFraction:P1}"),
            ("quality", a.Note.Length == 0 ? a.Quality.Name() : $"{a.Quality.Name()}: {a.Note}"),
            ("indemnity", $"{a.Indemnity.Amount.ToString("N2", CultureInfo.InvariantCulture)} {a.Indemnity.Currency}"),
        };
        return new ClaimMapRequest(a.Id, Label(before), Label(after), window.Columns, window.Rows, window.Before, window.After, window.Cells, window.Outline,
            ground.WidthM * window.Factor, ground.HeightM * window.Factor, ground.NorthDegrees, figures, provenance.Append(("plot", a.Id)).ToList());
    }

    /// <summary>When the image was taken as its band states it, else the file and band.</summary>
    private static string Label(RasterBand band) =>
        band.Raster.Description(band.Band) is { Length: >= 10 } d ? d : $"{Path.GetFileName(band.Raster.Path)} band {band.Band}";
}
