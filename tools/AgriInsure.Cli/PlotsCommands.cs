using AgriInsure.Domain;
using System.Globalization;
using System.Text.Json;
using AgriInsure.Imagery.Plots;
using AgriInsure.Imagery.Rasters;
using AgriInsure.Imagery.Rendering;
using AgriInsure.Imagery.Zonal;
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

        if (date is not null)
            CheckAcquisition("--date", date);
        // Checked before any file is opened; built again below once a dated stack has picked the band.
        Rule(band, ndvi, min, classes);

        var plots = ReadPlots(plotsPath, "--plots");
        if (plots is null)
            return 2;
        using var rasters = new OpenedRasters();
        var raster = rasters.Open(rasterPath, "--raster");
        // A dated stack (one band per acquisition, as the eo-learn series) is read at --date; any other
        // raster is one acquisition and --date only labels the result.
        if (raster.IsDatedStack)
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
                // Results carry the acquisition itself, not the way it was asked for (a day, DAY#N).
                date = raster.Description(band);
            }
        }
        RasterBand? clouds = null;
        if (cloudsPath is not null)
        {
            var mask = rasters.Open(cloudsPath, "--clouds");
            var dated = mask.IsDatedStack;
            if (dated && date is null)
                throw new UsageException($"--clouds {cloudsPath} is a dated stack: give --date");
            clouds = new RasterBand(mask, dated ? mask.BandForDate(date!) : 1);
        }
        var rule = Rule(band, ndvi, min, classes);
        var options = new MeasureOptions { MaxHiddenShare = hiddenLimit, Clouds = clouds, Zonal = new ZonalOptions { Workers = workers, Cancellation = Commands.Interrupted } };
        var results = plots.Count < 100
            ? AcreageMeasurement.Measure(raster, plots, rule, date, options)
            : AnsiConsole.Progress().AutoClear(true).Start(ctx =>
            {
                var task = ctx.AddTask($"measuring {plots.Count} plots", maxValue: plots.Count);
                return AcreageMeasurement.Measure(raster, plots, rule, date, options with { Zonal = options.Zonal with { Progress = new Progress<int>(n => task.Value = n) } });
            });

        var inputs = rule.Bands.Select(b => Input("raster", raster, b)).Prepend(InputFile.Of("plots", plotsPath)).ToList();
        if (clouds is not null)
            inputs.Add(Input("clouds", clouds.Raster, clouds.Band));
        var provenance = Provenance.Of("plots measure", results.Count > 0 ? results[0].Crs : raster.Epsg ?? "custom", inputs, new Dictionary<string, string>
        {
            ["rule"] = Describe(rule),
            ["max_hidden"] = F(hiddenLimit),
            ["areas"] = "ground areas on the WGS84 ellipsoid, m²; shares of the whole plot",
        });
        OutputFiles.WriteAll(
            (json, temp => Reports.WriteJson(temp, provenance, results)),
            (csv, temp => Reports.WriteCsv(temp, provenance, results)));

        var table = new Table().Border(TableBorder.Rounded).AddColumns("id", "area m²", "measured m²", "measured mu", "inside", "hidden", "quality");
        foreach (var r in results.Take(50))
        {
            table.AddRow(Markup.Escape(r.Id), $"{r.AreaM2:N1}", $"{r.MeasuredM2:N1}", $"{r.MeasuredMu:N3}", $"{r.CoveredFraction:P1}", $"{r.NodataFraction + r.InvalidFraction:P1}",
                r.Quality == PlotQuality.Ok ? "[green]ok[/]" : $"[yellow]{Markup.Escape(r.Quality.Name())}[/] {Markup.Escape(r.Note)}");
        }
        AnsiConsole.Write(table);
        if (results.Count > 50)
            Console.WriteLine($"… {results.Count - 50} more plots in {json}");
        Console.WriteLine($"wrote {json}{(csv is null ? "" : $" and {csv}")}: {results.Count} plots, {results.Sum(r => r.MeasuredM2):N1} m² measured ({provenance.Crs}, band {band}{(date is null ? "" : $", {date}")})");
        return 0;
    }

    /// <summary>A raster input for the provenance, with its acquisition time where the file states one.</summary>
    private static InputFile Input(string role, GdalRaster raster, int band, DateTimeOffset? acquired = null) =>
        InputFile.Of(role, raster.Path, band, (acquired ?? raster.AcquiredAt(band))?.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss'Z'", CultureInfo.InvariantCulture));

    private static string Describe(CellRule rule) => rule switch
    {
        CellRule.BandAtLeast b => double.IsNegativeInfinity(b.Min) ? $"band {b.Band}: every valid cell" : $"band {b.Band} ≥ {F(b.Min)}",
        CellRule.BandInClasses b => $"band {b.Band} in classes {string.Join(",", b.Classes.Order())}",
        CellRule.NdviAtLeast n => $"NDVI of bands {n.Red} (red), {n.Nir} (NIR) ≥ {F(n.Min)}; NDVI outside [-1, 1] counts as invalid",
        _ => rule.ToString(),
    };

    /// <summary>An acquisition as the user may give it: a day, a full ISO 8601 timestamp, or a day and
    /// its number in acquisition order (DAY#N) where one day holds several.</summary>
    private static void CheckAcquisition(string flag, string text)
    {
        var day = text.Split('#')[0];
        var ok = text.Count(c => c == '#') <= 1
            && (DateOnly.TryParseExact(day, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _)
                || (!text.Contains('#') && text.Length > 10 && DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out _)))
            && (!text.Contains('#') || int.TryParse(text[(text.IndexOf('#') + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= 1);
        if (!ok)
            throw new UsageException($"{flag}: '{text}' is not YYYY-MM-DD, a full timestamp (2015-12-08T10:11:25) or a day and its acquisition number (2015-12-08#2)");
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

    /// <summary><c>tools/agri plots monitor</c>: a season of NDVI per plot, growth curves and alerts.</summary>
    public static int Monitor(Flags flags)
    {
        var plotsPath = flags.Get("--plots") ?? throw new UsageException("plots monitor needs --plots FILE.geojson");
        var stackPath = flags.Get("--stack") ?? throw new UsageException("plots monitor needs --stack NDVI (a dated stack: one band per acquisition)");
        var cloudsPath = flags.Get("--clouds");
        var json = flags.Get("--json") ?? throw new UsageException("plots monitor needs --json OUT.json");
        var csv = flags.Get("--csv");
        var png = flags.Get("--png");
        var from = flags.Get("--from") is { } f ? Day("--from", f) : DateOnly.MinValue;
        var to = flags.Get("--to") is { } t ? Day("--to", t) : DateOnly.MaxValue;
        var defaults = new MonitorOptions();
        var options = defaults with
        {
            MaxHiddenShare = flags.Get("--max-hidden") is { } mh ? Fraction("--max-hidden", mh) : defaults.MaxHiddenShare,
            Margin = flags.Get("--margin") is { } m ? Fraction("--margin", m) : defaults.Margin,
            Consecutive = (int)flags.Int("--consecutive", defaults.Consecutive, 1, 1000),
            NeighbourRadiusM = flags.Get("--radius-km") is { } r ? Positive("--radius-km", r) * 1000 : defaults.NeighbourRadiusM,
            MinNeighbours = (int)flags.Int("--min-neighbours", defaults.MinNeighbours, 1, 1000),
            GroupBy = flags.Get("--group-by"),
            Zonal = new ZonalOptions { Workers = (int)flags.Int("--workers", Environment.ProcessorCount, 1, 256), Cancellation = Commands.Interrupted },
        };
        flags.EnsureAllUsed();
        if (to < from)
            throw new UsageException($"--to {to:yyyy-MM-dd} is before --from {from:yyyy-MM-dd}");
        if (png is not null)
            OutputFolder(png);

        var plots = ReadPlots(plotsPath, "--plots");
        if (plots is null)
            return 2;
        if (options.GroupBy is { } key && plots.FirstOrDefault(p => !p.Properties.ContainsKey(key)) is { } ungrouped)
            throw new UsageException($"--group-by {key}: plot {ungrouped.Id} has no property {key}");
        using var rasters = new OpenedRasters();
        var stack = rasters.Open(stackPath, "--stack");
        if (!stack.IsDatedStack)
            throw new UsageException($"--stack {stackPath}: every band's description must be its acquisition time (ISO 8601), as the eo-learn stacks carry");
        var clouds = cloudsPath is null ? null : rasters.Open(cloudsPath, "--clouds");
        if (clouds is not null && !clouds.IsDatedStack)
            throw new UsageException($"--clouds {cloudsPath}: every band's description must be its acquisition time, like --stack");
        var season = new List<Acquisition>();
        for (var band = 1; band <= stack.Bands; band++)
        {
            var time = stack.AcquiredAt(band)!.Value;
            var day = DateOnly.FromDateTime(time.UtcDateTime);
            if (day < from || day > to)
                continue;
            var stamp = stack.Description(band);
            var mask = clouds is null ? null : Enumerable.Range(1, clouds.Bands).FirstOrDefault(b => clouds.Description(b) == stamp) is var c and > 0
                ? new RasterBand(clouds, c)
                : throw new UsageException($"--clouds {cloudsPath} has no band acquired {stamp}, which --stack has");
            season.Add(new Acquisition(time, new RasterBand(stack, band), mask));
        }
        if (season.Count == 0)
            throw new UsageException($"--stack {stackPath} has no acquisition from {from:yyyy-MM-dd} to {to:yyyy-MM-dd}");

        var results = plots.Count < 20
            ? SeasonMonitor.Watch(season, plots, options)
            : AnsiConsole.Progress().AutoClear(true).Start(ctx =>
            {
                var task = ctx.AddTask($"watching {plots.Count} plots over {season.Count} dates", maxValue: plots.Count);
                return SeasonMonitor.Watch(season, plots, options with { Zonal = options.Zonal with { Progress = new Progress<int>(n => task.Value = n) } });
            });
        var provenance = Provenance.Of("plots monitor", stack.Epsg ?? "custom CRS (see the raster's WKT)",
            [InputFile.Of("plots", plotsPath), InputFile.Of("stack", stack.Path, null, $"{season.Count} acquisitions {season[0].Time:yyyy-MM-dd} to {season[^1].Time:yyyy-MM-dd}"),
                .. clouds is null ? Array.Empty<InputFile>() : [InputFile.Of("clouds", clouds.Path, null, "the same acquisitions")]],
            new Dictionary<string, string>
            {
                ["mean_median"] = "coverage- and ground-area-weighted NDVI of the plot's clear cells (not nodata, not cloud, NDVI in [-1, 1]); median to 0.0005",
                ["clear"] = $"a date is clear for a plot when at most {F(options.MaxHiddenShare)} of it is hidden or invalid",
                ["alert"] = $"mean NDVI below the median of the clear neighbours' means by more than {F(options.Margin)} on {options.Consecutive} or more of the plot's clear dates in a row",
                ["neighbours"] = $"the nearest {options.MaxNeighbours} plots whose centres lie within {F(options.NeighbourRadiusM / 1000)} km{(options.GroupBy is null ? "" : $" with the same {options.GroupBy}")}; at least {options.MinNeighbours} clear on the date",
            });
        var rows = results.SelectMany(p => p.Dates.Select(d => new MonitorRow(p.Id, p.Group, d.Time, d.Mean, d.Median, d.ValidShare, d.Clear, d.Neighbours, d.Alert))).ToList();
        var curves = new List<(string Path, Action<string> Write)>();
        var names = new ImageNames();
        if (png is not null)
        {
            foreach (var p in results)
            {
                var points = p.Dates.Select(d => new GrowthPoint(d.Time, d.Mean, d.Median, d.ValidShare, !d.Clear, d.Alert)).ToList();
                var neighbours = p.Dates.Where(d => d.Neighbours is not null).Select(d => new GrowthPoint(d.Time, d.Neighbours, d.Neighbours, 1, false, false)).ToList();
                var request = new GrowthCurveRequest(p.Id, points, neighbours.Count > 0 ? neighbours : null,
                    provenance.Lines().Append(("plot", p.Id)).Concat(p.Alerts.Select((a, i) => ($"alert_{i + 1}", $"{a.First:yyyy-MM-dd} to {a.Last:yyyy-MM-dd}: {a.Reason}"))).ToList());
                curves.Add((Path.Combine(png, names.For(p.Id)), temp =>
                {
                    using var file = File.Create(temp);
                    GrowthCurve.Write(request, file);
                }));
            }
        }
        OutputFiles.WriteAll([
            (json, temp => Reports.WriteJson(temp, provenance, results)),
            (csv, temp => Reports.WriteCsv(temp, provenance, rows)),
            .. curves.Select(c => ((string?)c.Path, c.Write))]);
        foreach (var p in results.Where(p => p.Alerts.Count > 0))
        {
            foreach (var a in p.Alerts)
                Console.WriteLine($"plot {p.Id}{(p.Group is null ? "" : $" ({p.Group})")}: {a.First:yyyy-MM-dd} to {a.Last:yyyy-MM-dd}: {a.Reason}");
        }
        Console.WriteLine($"wrote {json}{(csv is null ? "" : $", {csv}")}{(png is null ? "" : $" and {curves.Count} growth curves in {png}")}: {results.Count} plots over {season.Count} dates, {results.Count(p => p.Alerts.Count > 0)} with alerts");
        return 0;
    }

    /// <summary>One plot on one date, the CSV's row.</summary>
    private sealed record MonitorRow(string Id, string? Group, DateTimeOffset Time, double? Mean, double? Median, double ValidShare, bool Clear, double? Neighbours, bool Alert);

    private static DateTimeOffset Time(string flag, string text) =>
        text.Length >= 10 && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t)
            ? t : throw new UsageException($"{flag}: '{text}' is not YYYY-MM-DD or an ISO 8601 time");

    private static DateOnly Day(string flag, string text) =>
        DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d) ? d : throw new UsageException($"{flag}: '{text}' is not YYYY-MM-DD");

    private static double Positive(string name, string text)
    {
        var v = Number(name, text);
        return v > 0 ? v : throw new UsageException($"{name}: {v} must be positive");
    }

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
        var provenance = Provenance.Of("plots overlap", "EPSG:4326 (areas on the WGS84 ellipsoid)", [], new Dictionary<string, string>
        {
            ["plots"] = Path.GetFullPath(plotsPath),
            ["insured"] = Path.GetFullPath(insuredPath),
            ["tolerance"] = $"overlaps over {F(tolerance)} of the new plot's area",
        });
        OutputFiles.WriteAll((json, temp => Reports.WriteJson(temp, provenance, overlaps)));
        foreach (var o in overlaps.Take(50))
            Console.WriteLine($"plot {o.PlotId} overlaps {o.OtherPlotId} (policy {o.OtherPolicy ?? "unknown"}) by {o.OverlapM2:N1} m² ({o.ShareOfPlot:P1})");
        if (overlaps.Count > 50)
            Console.WriteLine($"… {overlaps.Count - 50} more overlaps in {json}");
        if (insured.Count(p => p.Policy is null) is var unnamed and > 0)
            Console.Error.WriteLine($"agri: warning: {unnamed} of {insured.Count} insured plots in {insuredPath} have no policy property; their overlaps name no policy");
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
        var currency = flags.Get("--currency") ?? "CNY";
        var sumText = flags.Get("--sum-insured") ?? throw new UsageException("claims by-map needs --sum-insured X");
        var deductible = (decimal)Number("--deductible", flags.Get("--deductible") ?? "0.1");
        var json = flags.Get("--json") ?? throw new UsageException("claims by-map needs --json OUT.json");
        var csv = flags.Get("--csv");
        var png = flags.Get("--png");
        var clouds = flags.Get("--clouds");
        var beforeDate = flags.Get("--before-date") is { } bd ? Time("--before-date", bd) : (DateTimeOffset?)null;
        var afterDate = flags.Get("--after-date") is { } ad ? Time("--after-date", ad) : (DateTimeOffset?)null;
        var workers = (int)flags.Int("--workers", Environment.ProcessorCount, 1, 256);
        var hiddenLimit = flags.Get("--max-hidden") is { } mh ? Fraction("--max-hidden", mh) : 0.2;
        flags.EnsureAllUsed();

        if (stack is not null && (beforeDate is not null || afterDate is not null))
            throw new UsageException("--before-date and --after-date go with two rasters; a stack's bands carry their acquisition times");
        if (!decimal.TryParse(sumText, NumberStyles.Number, CultureInfo.InvariantCulture, out var sum))
            throw new UsageException($"--sum-insured: '{sumText}' is not an amount");
        var money = Domain.Money.Create(sum, currency, "--sum-insured");
        if (!money.TryGet(out var sumInsured, out var moneyError))
            throw new UsageException(moneyError.ToString());
        if (!ClaimTerms.Create(drop, sumInsured, deductible, hiddenLimit).TryGet(out var terms, out var termsError))
            throw new UsageException($"--{Flag(termsError.Field)}: {termsError.Reason}");
        if (stack is not null)
        {
            CheckAcquisition("--before", before);
            CheckAcquisition("--after", after);
        }
        if (clouds is not null && stack is null)
            throw new UsageException("--clouds goes with --stack: a cloud-mask stack dated like it");

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
        }
        // A claim rests on when each image was taken: from the files, else stated with --before-date/--after-date.
        var preTime = beforeDate ?? pre.Raster.AcquiredAt(pre.Band)
            ?? throw new UsageException($"--before {pre.Raster.Path} does not say when it was acquired: give --before-date YYYY-MM-DD[THH:MM:SS]");
        var postTime = afterDate ?? post.Raster.AcquiredAt(post.Band)
            ?? throw new UsageException($"--after {post.Raster.Path} does not say when it was acquired: give --after-date YYYY-MM-DD[THH:MM:SS]");
        if (postTime <= preTime)
            throw new UsageException($"the after image ({postTime:yyyy-MM-ddTHH:mm:ssK}) must be acquired after the before image ({preTime:yyyy-MM-ddTHH:mm:ssK})");

        var inputs = new List<InputFile> { InputFile.Of("plots", plotsPath), Input("before", pre.Raster, pre.Band, preTime), Input("after", post.Raster, post.Band, postTime) };
        if (cloudPre is not null && cloudPost is not null)
            inputs.AddRange([Input("clouds_before", cloudPre.Raster, cloudPre.Band), Input("clouds_after", cloudPost.Raster, cloudPost.Band)]);
        var provenance = Provenance.Of("claims by-map", post.Raster.Epsg ?? "custom CRS (see the raster's WKT)", inputs, new Dictionary<string, string>
        {
            ["rule"] = $"damaged where NDVI before − after ≥ {F(terms.Drop)}; NDVI outside [-1, 1] counts as invalid",
            ["sum_insured"] = $"{terms.SumInsured.Amount.ToString(CultureInfo.InvariantCulture)} {terms.SumInsured.Currency} per plot",
            ["deductible"] = terms.Deductible.ToString(CultureInfo.InvariantCulture),
            ["indemnity"] = "sum insured × max(0, damaged share of the whole plot − deductible); 0 unless quality is ok",
            ["max_hidden"] = F(terms.MaxHiddenShare),
            ["areas"] = "ground areas on the WGS84 ellipsoid, m²; shares of the whole plot",
        });
        if (png is not null)
            OutputFolder(png);
        // Maps are drawn as plots finish into a staging folder, and moved beside the JSON only when the
        // whole run has succeeded.
        using var staging = png is null ? null : new StagingFolder(png);
        var maps = new List<(string Staged, string Final)>();
        var names = new ImageNames();
        var plotsById = plots.ToDictionary(p => p.Id);
        Action<ClaimMapWindow>? draw = staging is null ? null : window =>
        {
            var name = names.For(window.Assessment.Id);
            var staged = Path.Combine(staging.Path, name);
            ClaimMaps.Write(window, plotsById[window.Assessment.Id], pre, post, provenance, staged);
            lock (maps)
                maps.Add((staged, Path.Combine(png!, name)));
        };
        var results = ClaimByMap.Assess(pre, post, plots, terms, cloudPre, cloudPost, draw, new ZonalOptions { Workers = workers, Cancellation = Commands.Interrupted });
        OutputFiles.WriteAll([
            (json, temp => Reports.WriteJson(temp, provenance, results)),
            (csv, temp => Reports.WriteCsv(temp, provenance, results)),
            .. maps.Select(m => ((string?)m.Final, (Action<string>)(temp => File.Move(m.Staged, temp))))]);
        foreach (var r in results.Where(r => r.Quality != PlotQuality.Ok).Take(20))
            Console.WriteLine($"plot {r.Id}: {r.Quality.Name()} ({r.Note}), not paid from the map");
        Console.WriteLine($"wrote {json}{(csv is null ? "" : $", {csv}")}{(png is null ? "" : $" and {maps.Count} maps in {png}")}: {results.Count(r => r.Indemnity.IsPositive)} of {results.Count} plots pay, {results.Sum(r => r.Indemnity.Amount):N2} {currency} in all");
        return 0;
    }

    private static string Flag(string field) => JsonNamingPolicy.KebabCaseLower.ConvertName(field);

    /// <summary>File names for plots' images: ids come from users' files and may hold path characters, and
    /// two ids may clean up to one name ("a/b", "a_b"), so a name taken is numbered rather than overwritten.</summary>
    private sealed class ImageNames
    {
        private readonly HashSet<string> _taken = new(StringComparer.Ordinal);

        public string For(string id)
        {
            var invalid = Path.GetInvalidFileNameChars();
            var name = new string(id.Select(c => invalid.Contains(c) || c == '\\' ? '_' : c).ToArray());
            name = name is "" or "." or ".." ? $"plot_{name}" : name;
            lock (_taken)
            {
                var candidate = name;
                for (var n = 2; !_taken.Add(candidate); n++)
                    candidate = $"{name}-{n}";
                return candidate + ".png";
            }
        }
    }

    /// <summary>A folder for one image per plot: new or empty, so that images of this run are never mixed
    /// with (or written over) images of another, or with the user's own files.</summary>
    private static void OutputFolder(string path)
    {
        if (File.Exists(path))
            throw new UsageException($"--png {path} is a file; it takes a folder (one image per plot)");
        if (Directory.Exists(path) && Directory.EnumerateFileSystemEntries(path).Any())
            throw new UsageException($"--png {path} is not empty; give a new or empty folder, so that this run's images are not mixed with others");
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

    private static string F(double v) => v.ToString("R", CultureInfo.InvariantCulture);
}
