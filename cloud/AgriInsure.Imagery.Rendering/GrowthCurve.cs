using System.Globalization;
using SkiaSharp;

namespace AgriInsure.Imagery.Rendering;

/// <summary>
/// Draws a plot's season NDVI curve as a PNG: dates on a UTC time axis with month ticks, NDVI on y (−0.2…1, widened
/// when a value lies below), the plot's mean as a line with points, the neighbours' median dashed, cloudy dates as a
/// grey band with a hollow marker (never joined into either line), alert dates ringed in red with a red mark on the
/// top edge, a legend, and the provenance printed small at the bottom and embedded as PNG text chunks.
/// </summary>
public static class GrowthCurve
{
    private const int Width = 1100;
    private const float Margin = 28;
    private const float PlotTop = 118;
    private const float PlotHeight = 400;
    private const float AxisLeft = 64;
    private const float AxisBottom = 46;
    private const float MarkerRadius = 4;

    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>
    /// Renders <paramref name="request"/> and writes the PNG to <paramref name="png"/> (from its current position; the
    /// stream is neither flushed nor closed).
    /// </summary>
    /// <exception cref="ArgumentException">A field of the request is invalid (ParamName names it: "PlotId", "Points",
    /// "Neighbours", "Provenance"), or <paramref name="png"/> is not writable ("png").</exception>
    /// <exception cref="FontMissingException">DejaVu Sans is not installed (Debian fonts-dejavu-core).</exception>
    public static void Write(GrowthCurveRequest request, Stream png)
    {
        Validate(request);
        Figure.ValidateStream(png);
        var fonts = FontSet.System;
        using var footer = fonts.Style(Figure.FooterSize);
        // The growth curve is drawn in English only: its footer is headed as the English claim map's.
        var footerLines = Figure.FooterLines(footer, request.Provenance, ClaimMapText.English, Width - 2 * Margin);
        var footerTop = PlotTop + PlotHeight + AxisBottom + 12;
        var height = (int)Math.Ceiling(footerTop + Figure.FooterHeight(footer, footerLines.Count) + Margin / 2);

        Figure.Write(Width, height, canvas =>
        {
            Draw(canvas, request, PlotArea, fonts);
            Figure.DrawFooter(canvas, footer, footerLines, Margin, footerTop, Width - 2 * Margin);
        }, request.Provenance, png);
    }

    /// <summary>Where the data are drawn, in px.</summary>
    internal static SKRect PlotArea => new(Margin + AxisLeft, PlotTop, Width - Margin - 8, PlotTop + PlotHeight);

    /// <summary>Throws <see cref="ArgumentException"/> whose ParamName is the first invalid field of <paramref name="request"/>.</summary>
    internal static void Validate(GrowthCurveRequest? request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (string.IsNullOrWhiteSpace(request.PlotId))
            throw new ArgumentException("PlotId must not be empty", nameof(request.PlotId));
        if (request.Points is null || request.Points.Count == 0)
            throw new ArgumentException("Points needs at least one acquisition", nameof(request.Points));
        CheckPoints(request.Points, nameof(request.Points));
        if (request.Neighbours is not null)
            CheckPoints(request.Neighbours, nameof(request.Neighbours));
        PngText.Validate(request.Provenance, nameof(request.Provenance));
    }

    private static void CheckPoints(IReadOnlyList<GrowthPoint> points, string field)
    {
        foreach (var point in points)
        {
            if (point is null)
                throw new ArgumentException($"{field} holds a null point", field);
            if (!IsNdvi(point.Mean) || !IsNdvi(point.Median))
                throw new ArgumentException($"{field}: NDVI on {point.Time:O} must be within −1…1", field);
            if (!(point.ValidShare is >= 0 and <= 1))
                throw new ArgumentException($"{field}: ValidShare on {point.Time:O} must be within 0…1, not {point.ValidShare}", field);
        }
    }

    private static bool IsNdvi(double? value) => value is null || value is >= -1 and <= 1;

    private static void Draw(SKCanvas canvas, GrowthCurveRequest request, SKRect area, FontSet fonts)
    {
        using var title = fonts.Style(22, bold: true);
        using var subtitle = fonts.Style(13.5f);
        using var body = fonts.Style(12.5f);
        using var small = fonts.Style(11);

        var points = request.Points.OrderBy(p => p.Time).ToList();
        var neighbours = request.Neighbours?.OrderBy(p => p.Time).ToList() ?? [];
        var y = Margin + title.Ascent;
        title.Draw(canvas, $"NDVI season curve — plot {request.PlotId}", Margin, y, Palette.Ink);
        y += title.Descent + 6 + subtitle.Ascent;
        subtitle.Draw(canvas, Summary(points), Margin, y, Palette.MutedInk);
        DrawLegend(canvas, new SKPoint(Margin, y + 16), body, request.Neighbours is not null);

        var axes = TimeAxis.Of(points.Concat(neighbours).Select(p => p.Time.UtcDateTime));
        var values = points.Concat(neighbours).SelectMany(p => new[] { p.Mean, p.Median }).OfType<double>();
        var low = Math.Min(-0.2, Math.Floor(values.DefaultIfEmpty(0).Min() * 10) / 10);
        const double high = 1.0;
        float X(DateTimeOffset t) => area.Left + (float)((t.UtcDateTime - axes.Start).TotalSeconds / (axes.End - axes.Start).TotalSeconds) * area.Width;
        float Y(double v) => area.Bottom - (float)((v - low) / (high - low)) * area.Height;

        DrawAxes(canvas, area, axes, low, high, Y, body, small);

        // Cloudy bands first, so everything else sits on top of them.
        using (var band = new SKPaint { Color = Palette.CloudBand })
        {
            foreach (var p in points.Where(p => p.Cloudy))
                canvas.DrawRect(X(p.Time) - 5, area.Top, 10, area.Height, band);
        }

        canvas.Save();
        canvas.ClipRect(area);
        using (var dashed = new SKPaint
        {
            Color = Palette.Neighbours, Style = SKPaintStyle.Stroke, StrokeWidth = 2, IsAntialias = true,
            PathEffect = SKPathEffect.CreateDash([8, 5], 0),
        })
        {
            var clear = neighbours.Where(p => !p.Cloudy && (p.Median ?? p.Mean) is not null).Select(p => new SKPoint(X(p.Time), Y((p.Median ?? p.Mean)!.Value))).ToArray();
            using var path = Figure.Polylines([clear], close: false);
            canvas.DrawPath(path, dashed);
        }

        var observed = points.Where(p => !p.Cloudy && p.Mean is not null).ToList();
        using (var line = new SKPaint { Color = Palette.Series, Style = SKPaintStyle.Stroke, StrokeWidth = 2.5f, IsAntialias = true, StrokeJoin = SKStrokeJoin.Round })
        {
            using var path = Figure.Polylines([observed.Select(p => new SKPoint(X(p.Time), Y(p.Mean!.Value))).ToArray()], close: false);
            canvas.DrawPath(path, line);
        }

        canvas.Restore();

        using var fill = new SKPaint { Color = Palette.Series, IsAntialias = true };
        using var hollowFill = new SKPaint { Color = SKColors.White, IsAntialias = true };
        using var hollowEdge = new SKPaint { Color = Palette.MutedInk, Style = SKPaintStyle.Stroke, StrokeWidth = 1.6f, IsAntialias = true };
        using var alert = new SKPaint { Color = Palette.Alert, Style = SKPaintStyle.Stroke, StrokeWidth = 2.5f, IsAntialias = true };
        using var alertFill = new SKPaint { Color = Palette.Alert, IsAntialias = true };
        foreach (var p in points)
        {
            var x = X(p.Time);
            if (p.Mean is { } mean && p.Cloudy)
            {
                canvas.DrawCircle(x, Y(mean), MarkerRadius + 0.5f, hollowFill);
                canvas.DrawCircle(x, Y(mean), MarkerRadius + 0.5f, hollowEdge);
            }
            else if (p.Mean is { } value)
            {
                canvas.DrawCircle(x, Y(value), MarkerRadius, fill);
            }
            else
            {
                NoValueMark(canvas, x, area.Bottom - 8, hollowEdge);
            }

            if (!p.Alert)
                continue;
            if (p.Mean is { } alerted)
                canvas.DrawCircle(x, Y(alerted), MarkerRadius + 5, alert);
            using var flag = Figure.Polylines([[new(x, area.Top + 10), new(x - 6, area.Top), new(x + 6, area.Top)]], close: true);
            canvas.DrawPath(flag, alertFill);
        }
    }

    private static void NoValueMark(SKCanvas canvas, float x, float y, SKPaint paint)
    {
        canvas.DrawLine(x - 4, y - 4, x + 4, y + 4, paint);
        canvas.DrawLine(x - 4, y + 4, x + 4, y - 4, paint);
    }

    private static string Summary(IReadOnlyList<GrowthPoint> points)
    {
        var first = points[0].Time.UtcDateTime;
        var last = points[^1].Time.UtcDateTime;
        return string.Create(Invariant,
            $"{first:yyyy-MM-dd} – {last:yyyy-MM-dd} (UTC) · {points.Count} acquisitions · {points.Count(p => p.Cloudy)} cloudy · {points.Count(p => p.Alert)} with an alert");
    }

    private static void DrawLegend(SKCanvas canvas, SKPoint origin, TextStyle body, bool neighbours)
    {
        var x = origin.X;
        var mid = origin.Y + 8;
        var baseline = mid + body.Ascent * 0.38f;
        void Label(string text)
        {
            body.Draw(canvas, text, x, baseline, Palette.Ink);
            x += body.Measure(text) + 28;
        }

        using var line = new SKPaint { Color = Palette.Series, StrokeWidth = 2.5f, IsAntialias = true };
        using var fill = new SKPaint { Color = Palette.Series, IsAntialias = true };
        canvas.DrawLine(x, mid, x + 28, mid, line);
        canvas.DrawCircle(x + 14, mid, MarkerRadius, fill);
        x += 36;
        Label("Plot mean NDVI");

        if (neighbours)
        {
            using var dashed = new SKPaint { Color = Palette.Neighbours, StrokeWidth = 2, IsAntialias = true, PathEffect = SKPathEffect.CreateDash([8, 5], 0) };
            canvas.DrawLine(x, mid, x + 30, mid, dashed);
            x += 38;
            Label("Neighbours' median");
        }

        using var band = new SKPaint { Color = Palette.CloudBand };
        using var hollowFill = new SKPaint { Color = SKColors.White, IsAntialias = true };
        using var hollowEdge = new SKPaint { Color = Palette.MutedInk, Style = SKPaintStyle.Stroke, StrokeWidth = 1.6f, IsAntialias = true };
        canvas.DrawRect(x + 4, mid - 10, 10, 20, band);
        canvas.DrawCircle(x + 9, mid, MarkerRadius + 0.5f, hollowFill);
        canvas.DrawCircle(x + 9, mid, MarkerRadius + 0.5f, hollowEdge);
        x += 24;
        Label("Cloudy (not joined)");

        NoValueMark(canvas, x + 6, mid, hollowEdge);
        x += 18;
        Label("No valid cells");

        using var alert = new SKPaint { Color = Palette.Alert, Style = SKPaintStyle.Stroke, StrokeWidth = 2.5f, IsAntialias = true };
        canvas.DrawCircle(x + 9, mid, MarkerRadius + 5, alert);
        x += 26;
        Label("Alert");
    }

    private static void DrawAxes(SKCanvas canvas, SKRect area, TimeAxis axes, double low, double high, Func<double, float> y, TextStyle body, TextStyle small)
    {
        using var grid = new SKPaint { Color = new SKColor(232, 232, 232), StrokeWidth = 1 };
        using var zero = new SKPaint { Color = new SKColor(170, 170, 170), StrokeWidth = 1 };
        using var axis = new SKPaint { Color = Palette.MutedInk, StrokeWidth = 1, Style = SKPaintStyle.Stroke };
        for (var v = Math.Ceiling(low * 5) / 5; v <= high + 1e-9; v += 0.2)
        {
            var py = y(v);
            canvas.DrawLine(area.Left, py, area.Right, py, Math.Abs(v) < 1e-9 ? zero : grid);
            small.Draw(canvas, v.ToString("0.0", Invariant), area.Left - 8, py + small.Ascent * 0.38f, Palette.Ink, SKTextAlign.Right);
        }

        var span = (axes.End - axes.Start).TotalSeconds;
        foreach (var tick in axes.Ticks)
        {
            var px = area.Left + (float)((tick.Time - axes.Start).TotalSeconds / span) * area.Width;
            canvas.DrawLine(px, area.Top, px, area.Bottom, grid);
            canvas.DrawLine(px, area.Bottom, px, area.Bottom + 5, axis);
            small.Draw(canvas, tick.Label, px, area.Bottom + 8 + small.Ascent, Palette.Ink, SKTextAlign.Center);
            if (tick.Year is { } year)
                small.Draw(canvas, year, px, area.Bottom + 8 + small.Ascent + small.Size * 1.3f, Palette.MutedInk, SKTextAlign.Center);
        }

        canvas.DrawRect(area, axis);
        canvas.Save();
        canvas.RotateDegrees(-90, area.Left - 46, area.MidY);
        body.Draw(canvas, "NDVI", area.Left - 46, area.MidY + body.Ascent * 0.38f, Palette.Ink, SKTextAlign.Center);
        canvas.Restore();
    }
}
