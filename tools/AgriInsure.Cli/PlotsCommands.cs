using System.Globalization;
using System.Text;
using System.Text.Json;
using AgriInsure.Imagery.Plots;
using AgriInsure.Imagery.Rasters;
using Spectre.Console;

namespace AgriInsure.Cli;

/// <summary><c>tools/agri plots measure</c>, <c>plots overlap</c> and <c>claims by-map</c>.</summary>
internal static class PlotsCommands
{
    public static int Run(Flags flags)
    {
        var plotsPath = flags.Get("--plots") ?? throw new UsageException("plots measure needs --plots FILE.geojson");
        var rasterPath = flags.Get("--raster") ?? throw new UsageException("plots measure needs --raster FILE");
        var json = flags.Get("--json") ?? throw new UsageException("plots measure needs --json OUT.json");
        var csv = flags.Get("--csv");
        var bandGiven = flags.Has("--band");
        var band = (int)flags.Int("--band", 1, 1, 65535);
        var ndvi = flags.Get("--ndvi");
        var min = flags.Get("--min");
        var classes = flags.Get("--classes");
        var date = flags.Get("--date");
        var cloudsPath = flags.Get("--clouds");
        var workers = (int)flags.Int("--workers", Environment.ProcessorCount, 1, 256);
        var hiddenLimit = flags.Get("--max-hidden") is { } mh ? Fraction("--max-hidden", mh) : 0.2;
        flags.EnsureAllUsed();

        if (date is not null && !DateOnly.TryParseExact(date, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _))
            throw new UsageException($"--date: '{date}' is not YYYY-MM-DD");
        // Checked before any file is opened; built again below once a dated stack has picked the band.
        Rule(band, ndvi, min, classes);

        var plots = ReadPlots(plotsPath, "--plots");
        if (plots is null)
            return 2;
        using var rasters = new OpenedRasters();
        var raster = rasters.Open(rasterPath, "--raster");
        // A dated stack (one band per acquisition, as the eo-learn series) is read at --date; any other
        // raster is one acquisition and --date only labels the result.
        if (IsDatedStack(raster))
        {
            if (date is null && !bandGiven)
                throw new UsageException($"--raster {rasterPath} holds {raster.Bands} dated bands ({raster.Description(1)} …): give --date, or --band");
            if (date is not null)
            {
                if (ndvi is not null)
                    throw new UsageException("--ndvi needs a red and a near-infrared band; a dated stack holds one value per date");
                var dated = raster.BandForDate(date);
                if (bandGiven && band != dated)
                    throw new UsageException($"--band {band} was acquired {raster.Description(band)}, not on --date {date} (band {dated})");
                band = dated;
            }
        }
        RasterBand? clouds = null;
        if (cloudsPath is not null)
        {
            var mask = rasters.Open(cloudsPath, "--clouds");
            var dated = IsDatedStack(mask);
            if (dated && date is null)
                throw new UsageException($"--clouds {cloudsPath} is a dated stack: give --date");
            clouds = new RasterBand(mask, dated ? mask.BandForDate(date!) : 1);
        }
        var rule = Rule(band, ndvi, min, classes);
        var options = new MeasureOptions { MaxHiddenShare = hiddenLimit, Clouds = clouds, Workers = workers };
        var results = plots.Count < 100
            ? AcreageMeasurement.Measure(raster, plots, rule, date, options)
            : AnsiConsole.Progress().AutoClear(true).Start(ctx =>
            {
                var task = ctx.AddTask($"measuring {plots.Count} plots", maxValue: plots.Count);
                return AcreageMeasurement.Measure(raster, plots, rule, date, options with { Progress = new Progress<int>(n => task.Value = n) });
            });

        OutputFiles.WriteJson(json, results.Select(Row));
        if (csv is not null)
            OutputFiles.WriteText(csv, Csv(results));

        var table = new Table().Border(TableBorder.Rounded).AddColumns("id", "area m²", "measured m²", "measured mu", "inside", "nodata", "quality");
        foreach (var r in results.Take(50))
        {
            table.AddRow(Markup.Escape(r.Id), $"{r.AreaM2:N1}", $"{r.MeasuredM2:N1}", $"{r.MeasuredMu:N3}", $"{r.CoveredFraction:P1}", $"{r.NodataFraction:P1}",
                r.Quality == "ok" ? "[green]ok[/]" : $"[yellow]{Markup.Escape(r.Quality)}[/]");
        }
        AnsiConsole.Write(table);
        if (results.Count > 50)
            Console.WriteLine($"… {results.Count - 50} more plots in {json}");
        Console.WriteLine($"wrote {json}{(csv is null ? "" : $" and {csv}")}: {results.Count} plots, {results.Sum(r => r.MeasuredM2):N1} m² measured ({results[0].Crs}, band {band}{(date is null ? "" : $", {date}")})");
        return 0;
    }

    /// <summary>The rasters a verb opens, each named by its flag in errors, all closed when the verb ends.</summary>
    private sealed class OpenedRasters : IDisposable
    {
        private readonly List<GdalRaster> _opened = [];

        public GdalRaster Open(string path, string flag)
        {
            if (!GdalRaster.TryOpen(path, out var raster, out var error))
                throw new RasterException(error with { Reason = $"{flag}: {error.Reason}" });
            _opened.Add(raster);
            return raster;
        }

        public void Dispose()
        {
            foreach (var raster in _opened)
                raster.Dispose();
        }
    }

    private static bool IsDatedStack(GdalRaster raster) =>
        raster.Bands > 1 && Enumerable.Range(1, raster.Bands).All(b => raster.Description(b) is { Length: >= 10 } d && DateOnly.TryParseExact(d[..10], "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _));

    /// <summary><c>tools/agri plots overlap</c>: new plots that overlap insured ones of the season.</summary>
    public static int Overlap(Flags flags)
    {
        var plotsPath = flags.Get("--plots") ?? throw new UsageException("plots overlap needs --plots NEW.geojson");
        var insuredPath = flags.Get("--insured") ?? throw new UsageException("plots overlap needs --insured INSURED.geojson (with a policy property)");
        var json = flags.Get("--json") ?? throw new UsageException("plots overlap needs --json OUT.json");
        var tolerance = flags.Get("--tolerance") is { } t ? Fraction("--tolerance", t) : 0.01;
        flags.EnsureAllUsed();
        var plots = ReadPlots(plotsPath, "--plots");
        if (plots is null)
            return 2;
        var insured = ReadPlots(insuredPath, "--insured");
        if (insured is null)
            return 2;
        var check = new OverlapCheck(insured);
        var overlaps = plots.SelectMany(p => check.Find(p, tolerance)).ToList();
        OutputFiles.WriteJson(json, overlaps.Select(o => new Dictionary<string, object?>
        {
            ["plot"] = o.PlotId,
            ["overlaps_plot"] = o.OtherPlotId,
            ["overlaps_policy"] = o.OtherPolicy,
            ["overlap_m2"] = o.OverlapM2,
            ["share_of_plot"] = o.ShareOfPlot,
        }));
        foreach (var o in overlaps)
            Console.WriteLine($"plot {o.PlotId} overlaps {o.OtherPlotId} (policy {o.OtherPolicy ?? "unknown"}) by {o.OverlapM2:N1} m² ({o.ShareOfPlot:P1})");
        Console.WriteLine($"wrote {json}: {overlaps.Count} overlaps over {tolerance:P1} among {plots.Count} plots");
        return 0;
    }

    /// <summary><c>tools/agri claims by-map</c>: crop loss per plot from pre- and post-event imagery.</summary>
    public static int ClaimsByMap(Flags flags)
    {
        var plotsPath = flags.Get("--plots") ?? throw new UsageException("claims by-map needs --plots FILE.geojson");
        var stack = flags.Get("--stack");
        var before = flags.Get("--before") ?? throw new UsageException("claims by-map needs --before (a raster, or a date with --stack)");
        var after = flags.Get("--after") ?? throw new UsageException("claims by-map needs --after (a raster, or a date with --stack)");
        var band = (int)flags.Int("--band", 1, 1, 65535);
        var drop = Number("--drop", flags.Get("--drop") ?? "0.2");
        var sumInsured = decimal.TryParse(flags.Get("--sum-insured") ?? throw new UsageException("claims by-map needs --sum-insured X"), NumberStyles.Number, CultureInfo.InvariantCulture, out var sum) && sum > 0
            ? sum : throw new UsageException("--sum-insured must be a positive amount");
        var deductible = (decimal)Fraction("--deductible", flags.Get("--deductible") ?? "0.1");
        var json = flags.Get("--json") ?? throw new UsageException("claims by-map needs --json OUT.json");
        var png = flags.Get("--png");
        var clouds = flags.Get("--clouds");
        var hiddenLimit = flags.Get("--max-hidden") is { } mh ? Fraction("--max-hidden", mh) : 0.2;
        flags.EnsureAllUsed();

        var plots = ReadPlots(plotsPath, "--plots");
        if (plots is null)
            return 2;
        using var rasters = new OpenedRasters();
        RasterBand pre, post;
        RasterBand? cloudPre = null, cloudPost = null;
        if (stack is not null)
        {
            var s = rasters.Open(stack, "--stack");
            pre = new RasterBand(s, s.BandForDate(before));
            post = new RasterBand(s, s.BandForDate(after));
            if (clouds is not null)
            {
                var c = rasters.Open(clouds, "--clouds");
                (cloudPre, cloudPost) = (new RasterBand(c, c.BandForDate(before)), new RasterBand(c, c.BandForDate(after)));
            }
        }
        else
        {
            pre = new RasterBand(rasters.Open(before, "--before"), band);
            post = new RasterBand(rasters.Open(after, "--after"), band);
            if (clouds is not null)
                throw new UsageException("--clouds goes with --stack: a cloud-mask stack dated like it");
        }
        var results = ClaimByMap.Assess(pre, post, plots, drop, sumInsured, deductible, out var damaged, cloudPre, cloudPost, hiddenLimit);
        OutputFiles.WriteJson(json, results.Select(r => new Dictionary<string, object?>
        {
            ["id"] = r.Id,
            ["plot_m2"] = r.PlotM2,
            ["damaged_m2"] = r.DamagedM2,
            ["damage_fraction"] = r.DamageFraction,
            ["indemnity"] = r.Indemnity,
            ["nodata_fraction"] = r.NodataFraction,
            ["quality"] = r.Quality,
        }));
        if (png is not null)
            OutputFiles.Write(png, temp => ClaimByMap.SaveMap(post, plots, damaged, temp));
        Console.WriteLine($"wrote {json}{(png is null ? "" : $" and {png}")}: {results.Count(r => r.Indemnity > 0)} of {results.Count} plots pay, {results.Sum(r => r.Indemnity):N2} in all");
        return 0;
    }

    /// <summary>The plots of a GeoJSON file, or null after saying what is wrong with it.</summary>
    private static IReadOnlyList<PlotFeature>? ReadPlots(string path, string flag)
    {
        if (PlotReader.TryRead(path, out var plots, out var error))
            return plots;
        Console.Error.WriteLine($"agri: {flag}: {error}");
        return null;
    }

    private static CellRule Rule(int band, string? ndvi, string? min, string? classes)
    {
        if (classes is not null)
        {
            if (ndvi is not null || min is not null)
                throw new UsageException("--classes cannot be combined with --ndvi or --min");
            var set = classes.Split(',').Select(c => int.TryParse(c, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : throw new UsageException($"--classes: '{c}' is not a whole number")).ToHashSet();
            return new CellRule.BandInClasses(band, set);
        }
        var threshold = min is null ? double.NegativeInfinity : Number("--min", min);
        if (ndvi is null)
            return new CellRule.BandAtLeast(band, threshold);
        var parts = ndvi.Split(',');
        if (parts.Length != 2 || !int.TryParse(parts[0], out var red) || !int.TryParse(parts[1], out var nir) || red < 1 || nir < 1)
            throw new UsageException($"--ndvi: '{ndvi}' is not RED,NIR band numbers");
        return new CellRule.NdviAtLeast(red, nir, threshold);
    }

    private static double Number(string name, string text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v) ? v : throw new UsageException($"{name}: '{text}' is not a number");

    private static double Fraction(string name, string text)
    {
        var v = Number(name, text);
        return v is >= 0 and <= 1 ? v : throw new UsageException($"{name}: {v} is not a share between 0 and 1");
    }

    private static object Row(PlotMeasurement r) => new Dictionary<string, object?>
    {
        ["id"] = r.Id,
        ["area_m2"] = r.AreaM2,
        ["measured_m2"] = r.MeasuredM2,
        ["measured_mu"] = r.MeasuredMu,
        ["measured_ha"] = r.MeasuredHa,
        ["covered_fraction"] = r.CoveredFraction,
        ["nodata_fraction"] = r.NodataFraction,
        ["crs"] = r.Crs,
        ["date"] = r.Date,
        ["quality"] = r.Quality,
    };

    private static string Csv(IReadOnlyList<PlotMeasurement> results)
    {
        var sb = new StringBuilder("id,area_m2,measured_m2,measured_mu,measured_ha,covered_fraction,nodata_fraction,crs,date,quality\n");
        foreach (var r in results)
        {
            sb.AppendLine(string.Join(",", Quote(r.Id), F(r.AreaM2), F(r.MeasuredM2), F(r.MeasuredMu), F(r.MeasuredHa), F(r.CoveredFraction), F(r.NodataFraction), Quote(r.Crs), Quote(r.Date ?? ""), Quote(r.Quality)));
        }
        return sb.ToString();
    }

    private static string F(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    private static string Quote(string s) => s.Contains(',') || s.Contains('"') ? $"\"{s.Replace("\"", "\"\"")}\"" : s;
}
