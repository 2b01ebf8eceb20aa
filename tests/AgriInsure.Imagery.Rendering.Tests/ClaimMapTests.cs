using CsCheck;
using SkiaSharp;

namespace AgriInsure.Imagery.Rendering.Tests;

public class ClaimMapTests
{
    [Theory]
    [InlineData(3, 3)]
    [InlineData(120, 90)]
    [InlineData(1, 400)]
    [InlineData(2000, 60)]
    public void Image_and_panels_stay_within_bounds(int columns, int rows)
    {
        var request = Requests.Claim(columns, rows, (c, r) => (c + r) % 5 == 0 ? MapCell.Damaged : MapCell.Clear);
        using var image = Png.Decode(Png.Render(request));
        var layout = ClaimMapLayout.Of(request, FontSet.System);

        Assert.InRange(image.Width, 1100, 1700);
        Assert.InRange(image.Height, 400, 1100);
        Assert.Equal(ClaimMap.PanelSide, Math.Max(layout.PanelWidth, layout.PanelHeight));
        Assert.True(layout.AssessmentPanel.Right <= image.Width && layout.AssessmentPanel.Bottom <= image.Height);
    }

    [Fact]
    public void A_realistic_field_shows_its_damage_at_its_true_share_of_the_panel()
    {
        // A tilted field with a notch, a hail track across it and a cloud over one corner, 10 m cells.
        (double, double)[] ring = [(14, 10), (118, 4), (130, 62), (80, 70), (72, 92), (20, 84)];
        var request = Requests.Claim(140, 100, (c, r) =>
        {
            if (!Inside(ring, c + 0.5, r + 0.5))
                return MapCell.Outside;
            if (Math.Pow(c - 108, 2) + Math.Pow(r - 22, 2) < 15 * 15)
                return MapCell.Hidden;
            return Math.Abs(r - 0.55 * c - 5) < 7 ? MapCell.Damaged : MapCell.Clear;
        },
        before: (c, r) => 0.68f + 0.08f * MathF.Sin(c * 0.3f) * MathF.Cos(r * 0.2f),
        after: (c, r) => Math.Pow(c - 108, 2) + Math.Pow(r - 22, 2) < 12 * 12 ? float.NaN
            : Math.Abs(r - 0.55 * c - 5) < 7 ? 0.15f + 0.05f * MathF.Sin(c) : 0.63f + 0.07f * MathF.Sin(c * 0.3f) * MathF.Cos(r * 0.2f),
        north: 1.8, plotId: "川-0042") with { Outline = [ring.Cast<(double Column, double Row)>().ToList()] };
        using var image = Png.Decode(Png.Render(request));
        var panel = ClaimMapLayout.Of(request, FontSet.System).AssessmentPanel;

        var damagedCells = request.Cells.Count(c => c == MapCell.Damaged);
        var pixelsPerCell = (double)panel.Width * panel.Height / (request.Columns * request.Rows);
        var damagedPixels = Pixels(image, panel).Count(p => p.Colour == Palette.Damaged);
        // The outline's halo covers a little of the damage where the track crosses the boundary.
        Assert.InRange(damagedPixels / (damagedCells * pixelsPerCell), 0.9, 1.0);
    }

    [Fact]
    public void Provenance_is_embedded_as_text_chunks_with_valid_crcs()
    {
        var png = Png.Render(Requests.Claim(6, 4, (_, _) => MapCell.Clear));

        var text = Png.Text(png);

        Assert.Equal(Requests.Provenance.Select(p => (p.Item1, p.Item2)), text.Select(t => (t.Key, t.Value)));
        Assert.Equal("tEXt", text.Single(t => t.Key == "Policy").Type);
        Assert.Equal("iTXt", text.Single(t => t.Key == "Farmer").Type); // Chinese is not Latin-1
        Assert.Equal("IHDR", Png.Chunks(png)[0].Type);
    }

    [Fact]
    public void Damaged_cells_are_drawn_in_the_damage_colour_where_they_are_and_only_there()
    {
        var damaged = new HashSet<(int, int)> { (2, 1), (3, 1), (7, 5), (0, 7) };
        var request = Requests.Claim(10, 8, (c, r) => damaged.Contains((c, r)) ? MapCell.Damaged : MapCell.Clear);
        using var image = Png.Decode(Png.Render(request));
        var panel = ClaimMapLayout.Of(request, FontSet.System).AssessmentPanel;

        for (var r = 0; r < request.Rows; r++)
        {
            for (var c = 0; c < request.Columns; c++)
            {
                var pixel = CellCentre(image, panel, request, c, r);
                Assert.Equal(damaged.Contains((c, r)) ? Palette.Damaged : Palette.Clear, pixel);
            }
        }
    }

    [Fact]
    public void Before_and_after_panels_show_each_cells_ndvi_on_the_ramp()
    {
        var request = Requests.Claim(5, 5, (c, r) => c == 4 ? MapCell.Outside : MapCell.Clear,
            before: (c, r) => -0.2f + 0.05f * (c + 5 * r), after: (c, r) => c == 2 && r == 2 ? float.NaN : 0.9f - 0.04f * (c + 5 * r));
        using var image = Png.Decode(Png.Render(request));
        var layout = ClaimMapLayout.Of(request, FontSet.System);

        Assert.Equal(Palette.NdviColour(request.Before[5 + 1]), CellCentre(image, layout.BeforePanel, request, 1, 1));
        Assert.Equal(Palette.NdviColour(request.After[15 + 3]), CellCentre(image, layout.AfterPanel, request, 3, 3));
        Assert.Equal(Palette.NoValue, CellCentre(image, layout.AfterPanel, request, 2, 2));
        // Outside the plot is faded towards white, so it is lighter than the same NDVI inside.
        var outside = CellCentre(image, layout.BeforePanel, request, 4, 1);
        Assert.True(outside.Red + outside.Green + outside.Blue > Sum(Palette.NdviColour(request.Before[5 + 4])));
    }

    [Fact]
    public void Hidden_cells_are_hatched_and_never_drawn_in_the_clear_colour()
    {
        var request = Requests.Claim(12, 12, (c, r) => c is >= 3 and < 9 && r is >= 3 and < 9 ? MapCell.Hidden : MapCell.Clear);
        using var image = Png.Decode(Png.Render(request));
        var panel = ClaimMapLayout.Of(request, FontSet.System).AssessmentPanel;
        var cell = panel.Width / 12;

        var seen = new HashSet<SKColor>();
        for (var y = panel.Top + 3 * cell; y < panel.Top + 9 * cell; y++)
            for (var x = panel.Left + 3 * cell; x < panel.Left + 9 * cell; x++)
                seen.Add(image.GetPixel(x, y));

        Assert.DoesNotContain(Palette.Clear, seen);
        Assert.Equal(new HashSet<SKColor> { Palette.Hidden, Palette.Hatch }, seen);
    }

    [Fact]
    public void One_damaged_and_one_hidden_cell_in_a_5000_by_5000_window_survive_downsampling()
    {
        const int side = 5000;
        var request = Requests.Claim(side, side, (c, r) => (c, r) switch
        {
            (4321, 1234) => MapCell.Damaged,
            (77, 4800) => MapCell.Hidden,
            _ => MapCell.Clear,
        });
        using var image = Png.Decode(Png.Render(request));
        var layout = ClaimMapLayout.Of(request, FontSet.System);
        var panel = layout.AssessmentPanel;

        Assert.True(layout.Blocks.Reduced);
        var (x, y) = (panel.Left + 4321 * panel.Width / side, panel.Top + 1234 * panel.Height / side);
        Assert.Equal(Palette.Damaged, image.GetPixel(x, y));
        // Nothing else is damaged: every damage-coloured pixel is that block or the ring that points it out.
        Assert.All(Pixels(image, panel).Where(p => p.Colour == Palette.Damaged),
            p => Assert.InRange(Math.Sqrt(Math.Pow(p.At.X - x - 0.5, 2) + Math.Pow(p.At.Y - y - 0.5, 2)), 0, ClaimMap.LoneRingRadius + 2));
        Assert.Equal(Palette.Clear, image.GetPixel(x + 4, y));
        var hidden = image.GetPixel(panel.Left + 77 * panel.Width / side, panel.Top + 4800 * panel.Height / side);
        Assert.Contains(hidden, new[] { Palette.Hidden, Palette.Hatch });
    }

    [Fact]
    public void Downsampled_blocks_show_their_highest_priority_cell()
    {
        var windows =
            from columns in Gen.Int[1, 60]
            from rows in Gen.Int[1, 60]
            from maxWidth in Gen.Int[1, 60]
            from maxHeight in Gen.Int[1, 60]
            from cells in Gen.Enum<MapCell>().Array[columns * rows]
            select (columns, rows, maxWidth, maxHeight, cells);
        windows.Sample(w =>
        {
            var request = Requests.Claim(w.columns, w.rows, (c, r) => w.cells[r * w.columns + c]);
            var blocks = CellBlocks.From(request, w.maxWidth, w.maxHeight);
            var members = new List<MapCell>[blocks.Width * blocks.Height];
            for (var r = 0; r < w.rows; r++)
            {
                for (var c = 0; c < w.columns; c++)
                {
                    var b = r * blocks.Height / w.rows * blocks.Width + c * blocks.Width / w.columns;
                    (members[b] ??= []).Add(w.cells[r * w.columns + c]);
                }
            }

            return blocks.Width <= w.maxWidth && blocks.Height <= w.maxHeight
                && members.All(m => m is not null)
                && members.Select((m, b) => blocks.Cells[b] == m.MaxBy(CellBlocks.Priority)).All(ok => ok);
        });
    }

    [Theory]
    [InlineData(0xFF, 0xFF, 0xFF)]
    [InlineData(0x00, 0x00, 0x00)]
    public void Outline_has_a_dark_halo_and_a_light_line_on_any_background(byte red, byte green, byte blue)
    {
        using var bitmap = new SKBitmap(60, 60);
        using (var canvas = new SKCanvas(bitmap))
        {
            canvas.Clear(new SKColor(red, green, blue));
            using var path = Figure.Polylines([[new(30, 5), new(30, 55)]], close: false);
            Figure.DrawOutline(canvas, path);
        }

        // Across the line, on the plain background: a dark pixel beside a light one.
        var across = Enumerable.Range(20, 21).Select(x => bitmap.GetPixel(x, 30)).ToList();
        Assert.Contains(across, p => p.Red + p.Green + p.Blue < 3 * 60);
        Assert.Contains(across, p => p.Red + p.Green + p.Blue > 3 * 200);
        var centre = bitmap.GetPixel(30, 30);
        Assert.True(centre.Red > 200 && centre.Green > 200 && centre.Blue > 200, $"line centre is {centre}");
        var halo = bitmap.GetPixel(28, 30);
        Assert.True(halo.Red < 60 && halo.Green < 60 && halo.Blue < 60, $"halo is {halo}");
    }

    [Fact]
    public void Plot_outline_is_drawn_on_every_panel_where_the_ring_says()
    {
        IReadOnlyList<(double, double)> ring = [(2, 2), (8, 2), (8, 8), (2, 8)];
        var request = Requests.Claim(10, 10, (c, r) => c is >= 2 and < 8 && r is >= 2 and < 8 ? MapCell.Clear : MapCell.Outside) with { Outline = [ring] };
        using var image = Png.Decode(Png.Render(request));
        var layout = ClaimMapLayout.Of(request, FontSet.System);

        foreach (var panel in new[] { layout.BeforePanel, layout.AfterPanel, layout.AssessmentPanel })
        {
            var x = panel.Left + 2 * panel.Width / 10;
            var y = panel.Top + panel.Height / 2;
            Assert.Equal(SKColors.White, image.GetPixel(x, y));
            var halo = image.GetPixel(x - 2, y);
            Assert.True(halo.Red < 60 && halo.Green < 60 && halo.Blue < 60, $"halo is {halo}");
        }
    }

    [Theory]
    [InlineData(0, false)]
    [InlineData(90, true)]
    [InlineData(-90, true)]
    public void North_arrow_turns_by_north_degrees(double north, bool lying)
    {
        var request = Requests.Claim(4, 4, (_, _) => MapCell.Clear, north: north);
        using var image = Png.Decode(Png.Render(request));
        var centre = ClaimMapLayout.Of(request, FontSet.System).NorthCentre;

        var dark = new List<(int X, int Y)>();
        for (var y = (int)centre.Y - 26; y <= centre.Y + 26; y++)
            for (var x = (int)centre.X - 26; x <= centre.X + 26; x++)
                if (image.GetPixel(x, y) is var p && p.Red + p.Green + p.Blue < 3 * 80)
                    dark.Add((x, y));

        var width = dark.Max(p => p.X) - dark.Min(p => p.X);
        var height = dark.Max(p => p.Y) - dark.Min(p => p.Y);
        Assert.Equal(lying, width > height);
    }

    [Theory]
    [InlineData(12.5, 10)]
    [InlineData(199, 100)]
    [InlineData(250, 200)]
    [InlineData(0.7, 0.5)]
    [InlineData(5000, 5000)]
    public void Scale_bar_has_a_round_length(double maxMetres, double expected) =>
        Assert.Equal(expected, ClaimMap.ScaleBarMetres(maxMetres), 9);

    public static TheoryData<string, Func<ClaimMapRequest, ClaimMapRequest>> BadRequests => new()
    {
        { "PlotId", r => r with { PlotId = " " } },
        { "Columns", r => r with { Columns = 0 } },
        { "Rows", r => r with { Rows = -3 } },
        { "Before", r => r with { Before = new float[5] } },
        { "After", r => r with { After = new float[17] } },
        { "Cells", r => r with { Cells = new MapCell[3] } },
        { "Cells", r => r with { Cells = Enumerable.Repeat((MapCell)9, 16).ToArray() } },
        { "Outline", r => r with { Outline = [] } },
        { "Outline", r => r with { Outline = [[(0, 0), (1, 1)]] } },
        { "Outline", r => r with { Outline = [[(0, 0), (1, double.NaN), (2, 2)]] } },
        { "CellWidthM", r => r with { CellWidthM = 0 } },
        { "CellHeightM", r => r with { CellHeightM = double.NaN } },
        { "NorthDegrees", r => r with { NorthDegrees = double.PositiveInfinity } },
        { "Provenance", r => r with { Provenance = [("", "x")] } },
        { "Provenance", r => r with { Provenance = [("地块", "x")] } },
        { "Provenance", r => r with { Provenance = [("Two  spaces", "x")] } },
        { "Provenance", r => r with { Provenance = [("Nul", "a\0b")] } },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public void Bad_requests_throw_argument_exceptions_naming_the_field(string field, Func<ClaimMapRequest, ClaimMapRequest> spoil)
    {
        var request = spoil(Requests.Claim(4, 4, (_, _) => MapCell.Clear));
        using var stream = new MemoryStream();

        var error = Assert.ThrowsAny<ArgumentException>(() => ClaimMap.Write(request, stream));

        Assert.Equal(field, error.ParamName);
        Assert.Equal(0, stream.Length);
    }

    [Fact]
    public void A_read_only_stream_is_refused_by_name()
    {
        using var readOnly = new MemoryStream(new byte[16], writable: false);
        var error = Assert.Throws<ArgumentException>(() => ClaimMap.Write(Requests.Claim(3, 3, (_, _) => MapCell.Clear), readOnly));
        Assert.Equal("png", error.ParamName);
    }

    private static SKColor CellCentre(SKBitmap image, SKRectI panel, ClaimMapRequest request, int column, int row) =>
        image.GetPixel(panel.Left + (int)((column + 0.5) * panel.Width / request.Columns), panel.Top + (int)((row + 0.5) * panel.Height / request.Rows));

    private static IEnumerable<((int X, int Y) At, SKColor Colour)> Pixels(SKBitmap image, SKRectI panel)
    {
        for (var y = panel.Top; y < panel.Bottom; y++)
            for (var x = panel.Left; x < panel.Right; x++)
                yield return ((x, y), image.GetPixel(x, y));
    }

    /// <summary>Even-odd point in polygon, written here so the test does not lean on the renderer's geometry.</summary>
    private static bool Inside((double X, double Y)[] ring, double x, double y)
    {
        var inside = false;
        for (int i = 0, j = ring.Length - 1; i < ring.Length; j = i++)
        {
            if ((ring[i].Y > y) != (ring[j].Y > y) && x < (ring[j].X - ring[i].X) * (y - ring[i].Y) / (ring[j].Y - ring[i].Y) + ring[i].X)
                inside = !inside;
        }

        return inside;
    }

    private static int Sum(SKColor colour) => colour.Red + colour.Green + colour.Blue;
}
