using SkiaSharp;

namespace AgriInsure.Imagery.Rendering;

/// <summary>
/// Where everything on a claim map goes, in px from the image's top-left, computed before drawing so the image is
/// exactly as tall as its content (the footer wraps however long the provenance is).
/// </summary>
internal sealed class ClaimMapLayout
{
    public const float HeadingHeight = 26;
    public const float SwatchWidth = 26;
    public const float SwatchHeight = 16;
    public const float LegendRow = 24;
    public const float ColourBarWidth = 220;
    public const float ScaleBarMaxWidth = 220;
    public const float FigureRow = 22;

    /// <summary>Distance between the lines of a wrapped figure, in font sizes.</summary>
    public const float FigureLineSpacing = 1.35f;

    private const float Margin = 28;
    private const float PanelGap = 24;
    private const float HeaderHeight = 112;
    /// <summary>The narrowest a panel's slot is, in px: a panel caption fits in it.</summary>
    public const float MinSlot = 250;
    private const float MinWidth = 1180;
    /// <summary>Width of the legend's column, in px.</summary>
    public const float LegendWidth = 440;

    /// <summary>Width of the scale bar's and north arrow's column, in px.</summary>
    public const float ScaleWidth = 250;
    private const float LegendHeight = 232;
    private const float ScaleAndNorthHeight = 214;

    private int[] blockColumn = [];
    private int[] blockRow = [];

    public required int Width { get; init; }

    public required int Height { get; init; }

    public required int PanelWidth { get; init; }

    public required int PanelHeight { get; init; }

    public required CellBlocks Blocks { get; init; }

    public required SKRectI BeforePanel { get; init; }

    public required SKRectI AfterPanel { get; init; }

    /// <summary>The panel where damaged, hidden and clear cells are drawn in their class colours.</summary>
    public required SKRectI AssessmentPanel { get; init; }

    public required IReadOnlyList<string> NoteLines { get; init; }

    public required float NoteTop { get; init; }

    public required SKPoint LegendOrigin { get; init; }

    public required SKPoint ScaleOrigin { get; init; }

    public required SKPoint NorthCentre { get; init; }

    public required SKPoint FiguresOrigin { get; init; }

    /// <summary>Width of the figures table, in px.</summary>
    public required float FiguresWidth { get; init; }

    /// <summary>Left edge of the figures' values, in px from <see cref="FiguresOrigin"/>.</summary>
    public required float FigureValueOffset { get; init; }

    /// <summary>Each figure's label and value, wrapped to their columns, with the row's height in px.</summary>
    public required IReadOnlyList<FigureRowLayout> FigureRows { get; init; }

    public required IReadOnlyList<string> FooterLines { get; init; }

    public required float FooterTop { get; init; }

    /// <summary>The block drawn at panel pixel (<paramref name="x"/>, <paramref name="y"/>), as an index into <see cref="Blocks"/>.</summary>
    public int BlockAt(int x, int y) => blockRow[y] * Blocks.Width + blockColumn[x];

    public static ClaimMapLayout Of(ClaimMapRequest request, FontSet fonts)
    {
        // The panel keeps the window's ground aspect, so one scale bar holds across and down.
        var groundWidth = request.Columns * request.CellWidthM;
        var groundHeight = request.Rows * request.CellHeightM;
        var (panelWidth, panelHeight) = groundWidth >= groundHeight
            ? (ClaimMap.PanelSide, Math.Max(1, (int)Math.Round(ClaimMap.PanelSide * groundHeight / groundWidth)))
            : (Math.Max(1, (int)Math.Round(ClaimMap.PanelSide * groundWidth / groundHeight)), ClaimMap.PanelSide);
        var blocks = CellBlocks.From(request, panelWidth, panelHeight);

        var slot = Math.Max(panelWidth, MinSlot);
        var width = (int)Math.Ceiling(Math.Max(2 * Margin + 3 * slot + 2 * PanelGap, MinWidth));
        var panelTop = (int)(Margin + HeaderHeight);
        SKRectI Panel(int i)
        {
            var left = (int)(Margin + i * (slot + PanelGap));
            return new SKRectI(left, panelTop, left + panelWidth, panelTop + panelHeight);
        }

        using var small = fonts.Style(11);
        var noteLines = blocks.Reduced ? small.Wrap(ClaimMap.DownsampleNote(request, blocks), width - 2 * Margin) : [];
        var noteTop = panelTop + panelHeight + 10;
        var rowTop = noteTop + noteLines.Count * small.Size * 1.35f + 18;

        var scaleLeft = Margin + LegendWidth;
        var figuresLeft = scaleLeft + ScaleWidth;
        var figuresWidth = width - Margin - figuresLeft;
        using var body = fonts.Style(ClaimMap.BodySize);
        var labelWidth = request.Figures.Count == 0 ? 0 : request.Figures.Max(f => body.Measure(f.Label));
        var valueOffset = Math.Min(labelWidth + 24, figuresWidth * 0.6f);
        var figureRows = request.Figures.Select(f =>
        {
            var label = body.Wrap(f.Label, valueOffset - 12);
            var value = body.Wrap(f.Value, figuresWidth - valueOffset);
            return new FigureRowLayout(label, value, FigureRow + (Math.Max(Math.Max(label.Count, value.Count), 1) - 1) * body.Size * FigureLineSpacing);
        }).ToList();
        var figuresHeight = HeadingHeight + figureRows.Sum(r => r.Height) + 4;
        var rowHeight = Math.Max(Math.Max(LegendHeight, ScaleAndNorthHeight), figuresHeight);

        using var footer = fonts.Style(Figure.FooterSize);
        var footerLines = Figure.FooterLines(footer, request.Provenance, request.Text, width - 2 * Margin);
        var footerTop = rowTop + rowHeight + 14;
        var height = (int)Math.Ceiling(footerTop + Figure.FooterHeight(footer, footerLines.Count) + Margin / 2);

        return new ClaimMapLayout
        {
            Width = width,
            Height = height,
            PanelWidth = panelWidth,
            PanelHeight = panelHeight,
            Blocks = blocks,
            BeforePanel = Panel(0),
            AfterPanel = Panel(1),
            AssessmentPanel = Panel(2),
            NoteLines = noteLines,
            NoteTop = noteTop,
            LegendOrigin = new SKPoint(Margin, rowTop),
            ScaleOrigin = new SKPoint(scaleLeft, rowTop),
            NorthCentre = new SKPoint(scaleLeft + 100, rowTop + 130),
            FiguresOrigin = new SKPoint(figuresLeft, rowTop),
            FiguresWidth = figuresWidth,
            FigureValueOffset = valueOffset,
            FigureRows = figureRows,
            FooterLines = footerLines,
            FooterTop = footerTop,
            blockColumn = PixelToBlock(panelWidth, blocks.Width),
            blockRow = PixelToBlock(panelHeight, blocks.Height),
        };
    }

    /// <summary>Nearest-neighbour: pixel p shows block ⌊p·blocks/pixels⌋; with blocks ≤ pixels every block gets a pixel.</summary>
    private static int[] PixelToBlock(int pixels, int blocks)
    {
        var map = new int[pixels];
        for (var p = 0; p < pixels; p++)
            map[p] = (int)((long)p * blocks / pixels);
        return map;
    }
}

/// <summary>One row of the figures table: its label's and its value's lines, and the row's height in px (one line:
/// <see cref="ClaimMapLayout.FigureRow"/>).</summary>
internal sealed record FigureRowLayout(IReadOnlyList<string> Label, IReadOnlyList<string> Value, float Height);
