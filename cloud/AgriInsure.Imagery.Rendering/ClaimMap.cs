using SkiaSharp;

namespace AgriInsure.Imagery.Rendering;

/// <summary>
/// Draws a plot's claim-by-map evidence as one PNG a claims officer can file: a title with the plot id and both
/// dates; three panels of the same window side by side (NDVI before, NDVI after, the assessment: damaged in red,
/// hidden hatched grey, clear green), each with the plot outline as a light line on a dark halo; a legend with
/// an NDVI colour bar; a scale bar in metres; a north arrow; the figures as a table; and the provenance, printed
/// small at the bottom and embedded as PNG text chunks. Its words come from <see cref="ClaimMapRequest.Text"/> (English or
/// Chinese); the provenance pairs are embedded and printed as given.
/// <para>Each panel's long side is <see cref="PanelSide"/> px and its aspect is the window's ground aspect, so the
/// scale bar holds on both axes. Small windows are enlarged nearest-neighbour (cells stay crisp squares); windows
/// larger than the panel are reduced by <see cref="CellBlocks"/>, whose priority rule (Damaged &gt; Hidden &gt; Clear)
/// never hides a damaged or hidden cell.</para>
/// </summary>
public static class ClaimMap
{
    /// <summary>Long side of each panel, in px.</summary>
    internal const int PanelSide = 480;

    private const float Margin = 28;
    private const int MaxRings = 200;

    /// <summary>Size of the legend's and the figures' text, in px.</summary>
    internal const float BodySize = 12.5f;

    /// <summary>Radius of the ring around a lone damaged block, in px.</summary>
    internal const float LoneRingRadius = 8;

    /// <summary>Faded share for cells outside the plot in the NDVI panels: context, visibly not the plot.</summary>
    private const float OutsideFade = 0.6f;

    /// <summary>
    /// Renders <paramref name="request"/> and writes the PNG to <paramref name="png"/> (from its current position; the
    /// stream is neither flushed nor closed, so the caller can write to a temporary file and rename).
    /// </summary>
    /// <exception cref="ArgumentException">A field of the request is invalid (the exception's ParamName names it: e.g.
    /// "Before" when its length is not Columns × Rows), or <paramref name="png"/> is not writable ("png").</exception>
    /// <exception cref="FontMissingException">DejaVu Sans is not installed (Debian fonts-dejavu-core).</exception>
    public static void Write(ClaimMapRequest request, Stream png) => Write(request, png, () => FontSet.System);

    /// <summary><see cref="Write(ClaimMapRequest, Stream)"/> with <paramref name="fonts"/>, loaded once the request is checked.</summary>
    internal static void Write(ClaimMapRequest request, Stream png, Func<FontSet> fonts)
    {
        Validate(request);
        Figure.ValidateStream(png);
        Render(request, png, fonts());
    }

    private static void Render(ClaimMapRequest request, Stream png, FontSet fonts)
    {
        var layout = ClaimMapLayout.Of(request, fonts);
        Figure.Write(layout.Width, layout.Height, canvas => Draw(canvas, request, layout, fonts), request.Provenance, png);
    }

    /// <summary>Throws <see cref="ArgumentException"/> whose ParamName is the first invalid field of <paramref name="request"/>.</summary>
    internal static void Validate(ClaimMapRequest? request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (string.IsNullOrWhiteSpace(request.PlotId))
            throw new ArgumentException("PlotId must not be empty", nameof(request.PlotId));
        if (request.BeforeLabel is null)
            throw new ArgumentException("BeforeLabel is required", nameof(request.BeforeLabel));
        if (request.AfterLabel is null)
            throw new ArgumentException("AfterLabel is required", nameof(request.AfterLabel));
        if (request.Columns <= 0)
            throw new ArgumentException($"Columns must be positive, not {request.Columns}", nameof(request.Columns));
        if (request.Rows <= 0)
            throw new ArgumentException($"Rows must be positive, not {request.Rows}", nameof(request.Rows));
        var cells = (long)request.Columns * request.Rows;
        CheckLength(request.Before?.Length, cells, nameof(request.Before));
        CheckLength(request.After?.Length, cells, nameof(request.After));
        CheckLength(request.Cells?.Length, cells, nameof(request.Cells));
        if (request.Cells!.Any(c => c > MapCell.Hidden))
            throw new ArgumentException("Cells holds a value that is not a MapCell", nameof(request.Cells));
        if (request.Outline is null || request.Outline.Count == 0)
            throw new ArgumentException("Outline needs at least one ring", nameof(request.Outline));
        foreach (var ring in request.Outline)
        {
            if (ring is null || ring.Count < 3)
                throw new ArgumentException("each Outline ring needs at least 3 points", nameof(request.Outline));
            if (ring.Any(p => !double.IsFinite(p.Column) || !double.IsFinite(p.Row)))
                throw new ArgumentException("Outline holds a coordinate that is not finite", nameof(request.Outline));
        }

        if (!(double.IsFinite(request.CellWidthM) && request.CellWidthM > 0))
            throw new ArgumentException($"CellWidthM must be a positive number of metres, not {request.CellWidthM}", nameof(request.CellWidthM));
        if (!(double.IsFinite(request.CellHeightM) && request.CellHeightM > 0))
            throw new ArgumentException($"CellHeightM must be a positive number of metres, not {request.CellHeightM}", nameof(request.CellHeightM));
        if (!double.IsFinite(request.NorthDegrees))
            throw new ArgumentException("NorthDegrees must be finite", nameof(request.NorthDegrees));
        if (request.Figures is null || request.Figures.Any(f => f.Label is null || f.Value is null))
            throw new ArgumentException("Figures is required and its labels and values must not be null", nameof(request.Figures));
        PngText.Validate(request.Provenance, nameof(request.Provenance));
        if (request.Text is null)
            throw new ArgumentException("Text is required: ClaimMapText.English or ClaimMapText.Chinese", nameof(request.Text));
    }

    private static void CheckLength(int? length, long expected, string field)
    {
        if (length is null)
            throw new ArgumentException($"{field} is required", field);
        if (length != expected)
            throw new ArgumentException($"{field} has {length} values; Columns × Rows is {expected}", field);
    }

    private static void Draw(SKCanvas canvas, ClaimMapRequest request, ClaimMapLayout layout, FontSet fonts)
    {
        using var title = fonts.Style(22, bold: true);
        using var subtitle = fonts.Style(13.5f);
        using var heading = fonts.Style(14, bold: true);
        using var body = fonts.Style(BodySize);
        using var small = fonts.Style(11);
        using var footer = fonts.Style(Figure.FooterSize);

        var text = request.Text;
        var y = Margin + title.Ascent;
        title.Draw(canvas, text.Format(text.Title, request.PlotId), Margin, y, Palette.Ink);
        y += title.Descent + 6 + subtitle.Ascent;
        subtitle.Draw(canvas, text.Format(text.Dates, request.BeforeLabel, request.AfterLabel), Margin, y, Palette.Ink);
        y += subtitle.Size * 1.4f;
        subtitle.Draw(canvas, WindowText(request, layout.Blocks), Margin, y, Palette.MutedInk);

        var blocks = layout.Blocks;
        DrawPanel(canvas, request, layout, layout.BeforePanel, text.BeforePanel, heading,
            PanelPixels(layout, (x, yy) => NdviPixel(blocks, blocks.Before, layout, x, yy)));
        DrawPanel(canvas, request, layout, layout.AfterPanel, text.AfterPanel, heading,
            PanelPixels(layout, (x, yy) => NdviPixel(blocks, blocks.After, layout, x, yy)));
        DrawPanel(canvas, request, layout, layout.AssessmentPanel, text.AssessmentPanel, heading,
            PanelPixels(layout, (x, yy) => AssessmentPixel(blocks, layout, x, yy)));
        if (blocks.Reduced)
            RingLoneDamage(canvas, layout);

        var noteY = layout.NoteTop + small.Ascent;
        foreach (var line in layout.NoteLines)
        {
            small.Draw(canvas, line, Margin, noteY, Palette.MutedInk);
            noteY += small.Size * 1.35f;
        }

        DrawLegend(canvas, text, layout.LegendOrigin, heading, body, small);
        DrawScaleBar(canvas, request, layout, heading, body);
        DrawNorthArrow(canvas, text, request.NorthDegrees, layout.NorthCentre, heading, small);
        DrawFigures(canvas, text, layout, heading, body);
        Figure.DrawFooter(canvas, footer, layout.FooterLines, Margin, layout.FooterTop, layout.Width - 2 * Margin);
    }

    private static string WindowText(ClaimMapRequest request, CellBlocks blocks) =>
        request.Text.Format(request.Text.Window, request.Columns, request.Rows, request.CellWidthM, request.CellHeightM) + (blocks.Reduced ? request.Text.WindowReduced : "");

    internal static string DownsampleNote(ClaimMapRequest request, CellBlocks blocks) =>
        request.Text.Format(request.Text.ReducedNote, Math.Ceiling((double)request.Columns / blocks.Width), Math.Ceiling((double)request.Rows / blocks.Height));

    private static SKColor NdviPixel(CellBlocks blocks, float[] ndvi, ClaimMapLayout layout, int x, int y)
    {
        var b = layout.BlockAt(x, y);
        var colour = Palette.NdviColour(ndvi[b]);
        return blocks.Cells[b] == MapCell.Outside ? Palette.Fade(colour, OutsideFade) : colour;
    }

    private static SKColor AssessmentPixel(CellBlocks blocks, ClaimMapLayout layout, int x, int y) => blocks.Cells[layout.BlockAt(x, y)] switch
    {
        MapCell.Damaged => Palette.Damaged,
        MapCell.Hidden => Figure.OnHatch(x, y) ? Palette.Hatch : Palette.Hidden,
        MapCell.Clear => Palette.Clear,
        _ => Palette.Outside,
    };

    /// <summary>
    /// Rings each damaged block with no damaged neighbour, so one damaged cell in a reduced window (a single pixel)
    /// is found at a glance; the ring is drawn around the block, never over it. At most <see cref="MaxRings"/>:
    /// beyond that the damage is widespread and visible without help.
    /// </summary>
    private static void RingLoneDamage(SKCanvas canvas, ClaimMapLayout layout)
    {
        var blocks = layout.Blocks;
        bool Damaged(int bx, int by) =>
            bx >= 0 && by >= 0 && bx < blocks.Width && by < blocks.Height && blocks.Cells[by * blocks.Width + bx] == MapCell.Damaged;
        var lone = new List<SKPoint>();
        for (var by = 0; by < blocks.Height && lone.Count <= MaxRings; by++)
        {
            for (var bx = 0; bx < blocks.Width; bx++)
            {
                if (!Damaged(bx, by) || Damaged(bx - 1, by - 1) || Damaged(bx, by - 1) || Damaged(bx + 1, by - 1)
                    || Damaged(bx - 1, by) || Damaged(bx + 1, by) || Damaged(bx - 1, by + 1) || Damaged(bx, by + 1) || Damaged(bx + 1, by + 1))
                    continue;
                var panel = layout.AssessmentPanel;
                lone.Add(new SKPoint(
                    panel.Left + (bx + 0.5f) * layout.PanelWidth / blocks.Width,
                    panel.Top + (by + 0.5f) * layout.PanelHeight / blocks.Height));
            }
        }

        if (lone.Count > MaxRings)
            return;
        using var ring = new SKPaint { Color = Palette.Damaged, Style = SKPaintStyle.Stroke, StrokeWidth = 2, IsAntialias = true };
        foreach (var centre in lone)
            canvas.DrawCircle(centre, LoneRingRadius, ring);
    }

    private static SKBitmap PanelPixels(ClaimMapLayout layout, Func<int, int, SKColor> pixel)
    {
        var bitmap = new SKBitmap(new SKImageInfo(layout.PanelWidth, layout.PanelHeight, SKColorType.Rgba8888, SKAlphaType.Premul));
        var pixels = new SKColor[layout.PanelWidth * layout.PanelHeight];
        for (var y = 0; y < layout.PanelHeight; y++)
            for (var x = 0; x < layout.PanelWidth; x++)
                pixels[y * layout.PanelWidth + x] = pixel(x, y);
        bitmap.Pixels = pixels;
        return bitmap;
    }

    private static void DrawPanel(SKCanvas canvas, ClaimMapRequest request, ClaimMapLayout layout, SKRectI panel, string caption, TextStyle heading, SKBitmap pixels)
    {
        using (pixels)
            canvas.DrawBitmap(pixels, panel.Left, panel.Top, new SKSamplingOptions(SKFilterMode.Nearest));
        heading.Draw(canvas, caption, panel.Left, panel.Top - 8, Palette.Ink);

        using var frame = new SKPaint { Color = Palette.MutedInk, Style = SKPaintStyle.Stroke, StrokeWidth = 1 };
        canvas.DrawRect(new SKRect(panel.Left - 0.5f, panel.Top - 0.5f, panel.Right + 0.5f, panel.Bottom + 0.5f), frame);

        canvas.Save();
        canvas.ClipRect(new SKRect(panel.Left, panel.Top, panel.Right, panel.Bottom));
        using var path = OutlinePath(request, panel);
        Figure.DrawOutline(canvas, path);
        canvas.Restore();
    }

    private static SKPath OutlinePath(ClaimMapRequest request, SKRectI panel)
    {
        var sx = (float)panel.Width / request.Columns;
        var sy = (float)panel.Height / request.Rows;
        return Figure.Polylines(
            request.Outline.Select(ring => ring.Select(p => new SKPoint(panel.Left + (float)p.Column * sx, panel.Top + (float)p.Row * sy)).ToArray()),
            close: true);
    }

    private static void DrawLegend(SKCanvas canvas, ClaimMapText text, SKPoint origin, TextStyle heading, TextStyle body, TextStyle small)
    {
        heading.Draw(canvas, text.Legend, origin.X, origin.Y + heading.Ascent, Palette.Ink);
        var y = origin.Y + ClaimMapLayout.HeadingHeight;
        var rows = new (string Text, Action<SKRect> Swatch)[]
        {
            (text.LegendDamaged, r => Fill(canvas, r, Palette.Damaged)),
            (text.LegendHidden, r => Hatched(canvas, r)),
            (text.LegendClear, r => Fill(canvas, r, Palette.Clear)),
            (text.LegendOutside, r => Fill(canvas, r, Palette.Outside)),
            (text.LegendBoundary, r =>
            {
                using var path = Figure.Polylines([[new SKPoint(r.Left + 3, r.MidY), new SKPoint(r.Right - 3, r.MidY)]], close: false);
                Figure.DrawOutline(canvas, path);
            }),
        };
        foreach (var (label, swatch) in rows)
        {
            var box = new SKRect(origin.X, y, origin.X + ClaimMapLayout.SwatchWidth, y + ClaimMapLayout.SwatchHeight);
            swatch(box);
            body.Draw(canvas, label, box.Right + 10, box.MidY + body.Ascent * 0.38f, Palette.Ink);
            y += ClaimMapLayout.LegendRow;
        }

        // The NDVI colour bar, −0.2…0.9, with the no-value grey beside it.
        y += 6;
        body.Draw(canvas, text.ColourBar, origin.X, y + body.Ascent, Palette.Ink);
        y += body.Size * 1.5f;
        var bar = new SKRect(origin.X, y, origin.X + ClaimMapLayout.ColourBarWidth, y + 12);
        using (var paint = new SKPaint())
        {
            for (var x = 0; x < (int)bar.Width; x++)
            {
                paint.Color = Palette.NdviColour(Palette.NdviLow + (Palette.NdviHigh - Palette.NdviLow) * (x + 0.5f) / bar.Width);
                canvas.DrawRect(bar.Left + x, bar.Top, 1, bar.Height, paint);
            }
        }

        using var edge = new SKPaint { Color = Palette.MutedInk, Style = SKPaintStyle.Stroke, StrokeWidth = 1 };
        canvas.DrawRect(bar, edge);
        foreach (var tick in new[] { -0.2, 0, 0.2, 0.4, 0.6, 0.8 })
        {
            var x = bar.Left + (float)((tick - Palette.NdviLow) / (Palette.NdviHigh - Palette.NdviLow)) * bar.Width;
            canvas.DrawLine(x, bar.Bottom, x, bar.Bottom + 4, edge);
            small.Draw(canvas, tick.ToString("0.0", text.Numbers), x, bar.Bottom + 5 + small.Ascent, Palette.Ink, SKTextAlign.Center);
        }

        var noValue = new SKRect(bar.Right + 18, bar.Top, bar.Right + 18 + 18, bar.Bottom);
        Fill(canvas, noValue, Palette.NoValue);
        small.Draw(canvas, text.NoValue, noValue.Right + 6, noValue.MidY + small.Ascent * 0.38f, Palette.Ink);
        small.Draw(canvas, text.OutsideFaded, bar.Left, bar.Bottom + 8 + small.Ascent + small.Size * 1.3f, Palette.MutedInk);
    }

    private static void Fill(SKCanvas canvas, SKRect box, SKColor colour)
    {
        using var paint = new SKPaint { Color = colour };
        canvas.DrawRect(box, paint);
        using var edge = new SKPaint { Color = Palette.MutedInk, Style = SKPaintStyle.Stroke, StrokeWidth = 1 };
        canvas.DrawRect(box, edge);
    }

    /// <summary>The same stripes as the assessment panel, so the swatch matches pixel for pixel.</summary>
    private static void Hatched(SKCanvas canvas, SKRect box)
    {
        using var paint = new SKPaint();
        for (var y = 0; y < (int)box.Height; y++)
        {
            for (var x = 0; x < (int)box.Width; x++)
            {
                paint.Color = Figure.OnHatch(x, y) ? Palette.Hatch : Palette.Hidden;
                canvas.DrawRect(box.Left + x, box.Top + y, 1, 1, paint);
            }
        }

        using var edge = new SKPaint { Color = Palette.MutedInk, Style = SKPaintStyle.Stroke, StrokeWidth = 1 };
        canvas.DrawRect(box, edge);
    }

    private static void DrawScaleBar(SKCanvas canvas, ClaimMapRequest request, ClaimMapLayout layout, TextStyle heading, TextStyle body)
    {
        var origin = layout.ScaleOrigin;
        heading.Draw(canvas, request.Text.Scale, origin.X, origin.Y + heading.Ascent, Palette.Ink);
        // From the panel's long side, which is exactly PanelSide px; the short side is rounded to whole pixels.
        var metresPerPixel = Math.Max(request.Columns * request.CellWidthM, request.Rows * request.CellHeightM) / PanelSide;
        var metres = ScaleBarMetres(ClaimMapLayout.ScaleBarMaxWidth * metresPerPixel);
        var length = (float)(metres / metresPerPixel);
        var top = origin.Y + ClaimMapLayout.HeadingHeight + 4;
        using var dark = new SKPaint { Color = Palette.Ink };
        using var light = new SKPaint { Color = SKColors.White };
        using var edge = new SKPaint { Color = Palette.Ink, Style = SKPaintStyle.Stroke, StrokeWidth = 1 };
        for (var i = 0; i < 4; i++)
            canvas.DrawRect(origin.X + i * length / 4, top, length / 4, 8, i % 2 == 0 ? dark : light);
        canvas.DrawRect(origin.X, top, length, 8, edge);
        var labelY = top + 12 + body.Ascent;
        body.Draw(canvas, "0", origin.X, labelY, Palette.Ink, SKTextAlign.Center);
        body.Draw(canvas, Distance(request.Text, metres / 2), origin.X + length / 2, labelY, Palette.Ink, SKTextAlign.Center);
        body.Draw(canvas, Distance(request.Text, metres), origin.X + length, labelY, Palette.Ink, SKTextAlign.Center);
    }

    /// <summary>The largest 1, 2 or 5 × 10ⁿ metres not longer than <paramref name="maxMetres"/>.</summary>
    internal static double ScaleBarMetres(double maxMetres)
    {
        var power = Math.Pow(10, Math.Floor(Math.Log10(maxMetres)));
        foreach (var step in new[] { 5.0, 2.0, 1.0 })
        {
            if (step * power <= maxMetres)
                return step * power;
        }

        return power;
    }

    private static string Distance(ClaimMapText text, double metres) =>
        metres >= 1000 ? text.Format(text.Kilometres, metres / 1000) : text.Format(text.Metres, metres);

    private static void DrawNorthArrow(SKCanvas canvas, ClaimMapText text, double northDegrees, SKPoint centre, TextStyle heading, TextStyle small)
    {
        const float half = 24;
        canvas.Save();
        canvas.RotateDegrees((float)northDegrees, centre.X, centre.Y);
        using var dark = new SKPaint { Color = Palette.Ink, IsAntialias = true };
        using var light = new SKPaint { Color = SKColors.White, IsAntialias = true };
        using var edge = new SKPaint { Color = Palette.Ink, IsAntialias = true, Style = SKPaintStyle.Stroke, StrokeWidth = 1.2f };
        using var left = Figure.Polylines([[new(centre.X, centre.Y - half), new(centre.X - 9, centre.Y + half), new(centre.X, centre.Y + half * 0.55f)]], close: true);
        using var right = Figure.Polylines([[new(centre.X, centre.Y - half), new(centre.X + 9, centre.Y + half), new(centre.X, centre.Y + half * 0.55f)]], close: true);
        canvas.DrawPath(left, dark);
        canvas.DrawPath(right, light);
        canvas.DrawPath(right, edge);
        canvas.DrawPath(left, edge);
        canvas.Restore();

        // The north letter stays upright, placed beyond the rotated tip.
        var radians = northDegrees * Math.PI / 180;
        var tip = new SKPoint(centre.X + (float)(Math.Sin(radians) * (half + 12)), centre.Y - (float)(Math.Cos(radians) * (half + 12)));
        heading.Draw(canvas, text.North, tip.X, tip.Y + heading.Ascent / 2, Palette.Ink, SKTextAlign.Center);
        var caption = Math.Abs(northDegrees) < 0.05 ? text.NorthUp : text.Format(text.NorthTurned, northDegrees);
        small.Draw(canvas, caption, centre.X, centre.Y + half + 26 + small.Ascent, Palette.MutedInk, SKTextAlign.Center);
    }

    private static void DrawFigures(SKCanvas canvas, ClaimMapText text, ClaimMapLayout layout, TextStyle heading, TextStyle body)
    {
        var (origin, width) = (layout.FiguresOrigin, layout.FiguresWidth);
        heading.Draw(canvas, text.Figures, origin.X, origin.Y + heading.Ascent, Palette.Ink);
        var valueX = origin.X + layout.FigureValueOffset;
        var y = origin.Y + ClaimMapLayout.HeadingHeight;
        using var band = new SKPaint { Color = new SKColor(244, 244, 244) };
        using var rule = new SKPaint { Color = Palette.Rule, StrokeWidth = 1 };
        for (var i = 0; i < layout.FigureRows.Count; i++)
        {
            var row = layout.FigureRows[i];
            if (i % 2 == 0)
                canvas.DrawRect(origin.X - 4, y, width + 4, row.Height, band);
            var baseline = y + ClaimMapLayout.FigureRow / 2 + body.Ascent * 0.38f;
            var step = body.Size * ClaimMapLayout.FigureLineSpacing;
            for (var line = 0; line < row.Label.Count; line++)
                body.Draw(canvas, row.Label[line], origin.X, baseline + line * step, Palette.MutedInk);
            for (var line = 0; line < row.Value.Count; line++)
                body.Draw(canvas, row.Value[line], valueX, baseline + line * step, Palette.Ink);
            y += row.Height;
        }

        canvas.DrawLine(origin.X - 4, y, origin.X + width, y, rule);
    }
}
