using System.CommandLine;
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
    private static Option<string> PlotsOption(string description = "fields as GeoJSON (RFC 7946: longitude, latitude on WGS84; Polygon or MultiPolygon; id from the feature's \"id\" or its id property)") =>
        CliOptions.Required("--plots", "FILE.geojson", description);

    private static Option<double> MaxHidden() =>
        CliOptions.Share("--max-hidden", "largest share of a plot that may be hidden (nodata, cloud, invalid) before its figure is not trusted (quality needs-clear-image)", 0.2);

    public static Verb Measure()
    {
        var plots = PlotsOption();
        var raster = CliOptions.Required("--raster", "FILE", "raster GDAL reads (GeoTIFF, COG, JPEG 2000, VRT, EHdr…), in any CRS: degrees, metres or feet");
        var band = CliOptions.Whole("--band", "N", "band read by --min/--classes (1-based); on a dated stack, --date picks it", 1, 1, 65535);
        var ndvi = CliOptions.Optional("--ndvi", "RED,NIR", "compute NDVI from these two bands; cells with NDVI outside [-1, 1] count as invalid");
        var min = CliOptions.Optional("--min", "V", "a cell is crop where the band (or NDVI) is at least V; without --min or --classes, every valid cell");
        var classes = CliOptions.Optional("--classes", "A,B,…", "a cell is crop where the band's class is one of these (a land-cover map)");
        var date = CliOptions.Optional("--date", "DAY|TIME|DAY#N", "acquisition to read from a dated stack: 2017-07-15, a full timestamp 2015-12-08T10:11:25, or the N-th of a day 2015-12-08#2");
        var clouds = CliOptions.Optional("--clouds", "MASK", "cloud mask on the same grid (non-zero = cloud); a dated stack is read at --date");
        var hidden = MaxHidden();
        var workers = CliOptions.Workers();
        var json = CliOptions.Json("per plot: area_m2 (ground area of the whole plot on the WGS84 ellipsoid), measured_m2/mu/ha, covered, nodata and invalid shares, quality");
        var csv = CliOptions.Csv("the same rows");
        var overwrite = CliOptions.Overwrite();
        var verb = new Verb("measure", "insured acreage per plot: ground areas on the WGS84 ellipsoid, exact pixel coverage, hidden and invalid shares",
            null,
            "tools/agri plots measure --plots ../shared/data/imagery/eo-learn/lulc.geojson --raster ../shared/data/imagery/eo-learn/ndvi_stack.tif --date 2017-07-15 --min 0.5 --json /tmp/acreage.json --csv /tmp/acreage.csv")
        {
            plots, raster, band, ndvi, min, classes, date, clouds, hidden, workers, json, csv, overwrite,
        };
        verb.SetAction(p => RunMeasure(p.GetValue(plots)!, p.GetValue(raster)!, p.GetResult(band) is { Implicit: false }, p.GetValue(band), p.GetValue(ndvi), p.GetValue(min),
            p.GetValue(classes), p.GetValue(date), p.GetValue(clouds), p.GetValue(hidden), p.GetValue(workers), p.GetValue(json)!, p.GetValue(csv), p.GetValue(overwrite)));
        return verb;
    }

    private static int RunMeasure(string plotsPath, string rasterPath, bool bandGiven, int band, string? ndvi, string? min, string? classes, string? date, string? cloudsPath,
        double hiddenLimit, int workers, string json, string? csv, bool overwrite)
    {
        OutputFiles.Check(overwrite, ("--json", json), ("--csv", csv));
        if (date is not null)
            CheckAcquisition("--date", date);
        // Checked before any file is opened; built again below once a dated stack has picked the band.
        Rule(band, ndvi, min, classes);

        var plots = ReadPlots(plotsPath, "--plots");
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
        var results = Terminal.Progress($"measuring {plots.Count} plots", plots.Count, progress =>
            AcreageMeasurement.Measure(raster, plots, rule, date, options with { Zonal = options.Zonal with { Progress = progress } }));

        var inputs = rule.Bands.Select(b => Input("raster", raster, b)).Prepend(InputFile.Of("plots", plotsPath)).Concat(Sidecars("raster", raster)).ToList();
        if (clouds is not null)
            inputs.AddRange([Input("clouds", clouds.Raster, clouds.Band), .. Sidecars("clouds", clouds.Raster)]);
        var provenance = Provenance.Of("plots measure", results.Count > 0 ? results[0].Crs : raster.Epsg ?? "custom", inputs, new Dictionary<string, string>
        {
            ["rule"] = rule.Describe(),
            ["max_hidden"] = F(hiddenLimit),
            ["areas"] = "ground areas on the WGS84 ellipsoid, m²; shares of the whole plot",
        });
        OutputFiles.WriteAll(
            (json, temp => Reports.WriteJson(temp, provenance, results)),
            (csv, temp => Reports.WriteCsv(temp, provenance, results)));

        Terminal.Table(
            [new Column("id", Ids: true), new Column("area m²"), new Column("measured m²"), new Column("measured mu"), new Column("inside"), new Column("hidden"), new Column("quality"), new Column("why", Wraps: true)],
            results.Take(50).Select(r => new[]
            {
                r.Id, $"{r.AreaM2:N1}", $"{r.MeasuredM2:N1}", $"{r.MeasuredMu:N3}", $"{r.CoveredFraction:P1}", $"{r.NodataFraction + r.InvalidFraction:P1}",
                r.Quality.Name(), r.Note,
            }).ToList(),
            (row, column) => column == 6 ? (row[6] == "ok" ? "green" : "yellow") : null);
        if (results.Count > 50)
            Console.WriteLine($"… {results.Count - 50} more plots in {json}");
        var ok = results.Where(r => r.Quality == PlotQuality.Ok).ToList();
        Console.WriteLine($"wrote {json}{(csv is null ? "" : $" and {csv}")}: {ok.Count} of {results.Count} plots ok, {ok.Sum(r => r.MeasuredM2):N1} m² measured on them ({provenance.Crs}, band {band}{(date is null ? "" : $", {date}")})");
        if (ok.Count < results.Count)
            Console.WriteLine($"{results.Count - ok.Count} plots are not ok (quality column): their {results.Where(r => r.Quality != PlotQuality.Ok).Sum(r => r.MeasuredM2):N1} m² is not a figure to insure on");
        return (int)ExitCode.Success;
    }

    /// <summary>A raster input for the provenance, with its acquisition time where the file states one.</summary>
    private static InputFile Input(string role, GdalRaster raster, int band, DateTimeOffset? acquired = null) =>
        InputFile.Of(role, raster.Path, band, (acquired ?? raster.AcquiredAt(band))?.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss'Z'", CultureInfo.InvariantCulture));

    /// <summary>The files besides the raster that GDAL reads for it (a .msk mask, .aux.xml nodata and statistics, a
    /// VRT's sources): they change what is measured, so the provenance hashes them too.</summary>
    private static IEnumerable<InputFile> Sidecars(string role, GdalRaster raster) =>
        raster.Sidecars().Select(f => InputFile.Of($"{role}_sidecar", f));


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

    public static Verb Monitor()
    {
        var defaults = new MonitorOptions();
        var plots = PlotsOption();
        var stack = CliOptions.Required("--stack", "NDVI", "dated NDVI stack: one band per acquisition, each band's description its ISO 8601 time (as the eo-learn stacks)");
        var clouds = CliOptions.Optional("--clouds", "MASKS", "cloud-mask stack dated like --stack (non-zero = cloud)");
        var from = CliOptions.Optional("--from", "DAY", "first acquisition day read (YYYY-MM-DD)");
        var to = CliOptions.Optional("--to", "DAY", "last acquisition day read (YYYY-MM-DD)");
        var groupBy = CliOptions.Optional("--group-by", "PROPERTY", "compare a plot only with plots of the same value of this property (land use, crop)");
        var margin = CliOptions.Share("--margin", "alert where a plot's mean NDVI is this much below its neighbours' median", defaults.Margin);
        var consecutive = CliOptions.Whole("--consecutive", "N", "… on this many clear dates in a row", defaults.Consecutive, 1, 1000);
        var radius = CliOptions.Number("--radius-km", "KM", "neighbours: plots whose centres lie within this distance, km", defaults.NeighbourRadiusM / 1000, v => v > 0 ? null : "must be positive");
        var minNeighbours = CliOptions.Whole("--min-neighbours", "N", "fewest clear neighbours on a date for a comparison", defaults.MinNeighbours, 1, 1000);
        var hidden = MaxHidden();
        var workers = CliOptions.Workers();
        var json = CliOptions.Json("per plot and date: cloud-free NDVI mean and median, valid share, neighbours' median, alerts with their reason");
        var csv = CliOptions.Csv("one row per plot and date");
        var png = CliOptions.Optional("--png", "DIR", "a new or empty folder for one growth curve per plot (dates on x, NDVI on y, cloudy dates marked)");
        var overwrite = CliOptions.Overwrite();
        var verb = new Verb("monitor", "the season per plot: cloud-free NDVI mean, median and seen share per date; growth curves; alerts where a plot falls below its neighbours",
            "alerts were raised (listed in the output)",
            "tools/agri plots monitor --plots ../shared/data/imagery/eo-learn/lulc.geojson --stack ../shared/data/imagery/eo-learn/ndvi_stack.tif --clouds ../shared/data/imagery/eo-learn/clouds_stack.tif --from 2017-01-01 --to 2017-12-31 --group-by LULC_NAME --json /tmp/season.json --png /tmp/season-curves")
        {
            plots, stack, clouds, from, to, groupBy, margin, consecutive, radius, minNeighbours, hidden, workers, json, csv, png, overwrite,
        };
        verb.SetAction(p => RunMonitor(p.GetValue(plots)!, p.GetValue(stack)!, p.GetValue(clouds), p.GetValue(json)!, p.GetValue(csv), p.GetValue(png),
            p.GetValue(from) is { } f ? Day("--from", f) : DateOnly.MinValue, p.GetValue(to) is { } t ? Day("--to", t) : DateOnly.MaxValue,
            defaults with
            {
                MaxHiddenShare = p.GetValue(hidden),
                Margin = p.GetValue(margin),
                Consecutive = p.GetValue(consecutive),
                NeighbourRadiusM = p.GetValue(radius) * 1000,
                MinNeighbours = p.GetValue(minNeighbours),
                GroupBy = p.GetValue(groupBy),
                Zonal = new ZonalOptions { Workers = p.GetValue(workers), Cancellation = Commands.Interrupted },
            }, p.GetValue(overwrite)));
        return verb;
    }

    private static int RunMonitor(string plotsPath, string stackPath, string? cloudsPath, string json, string? csv, string? png, DateOnly from, DateOnly to, MonitorOptions options, bool overwrite)
    {
        if (to < from)
            throw new UsageException($"--to {to:yyyy-MM-dd} is before --from {from:yyyy-MM-dd}");
        OutputFiles.Check(overwrite, ("--json", json), ("--csv", csv));
        OutputFiles.CheckFolder("--png", png);

        var plots = ReadPlots(plotsPath, "--plots");
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

        var results = Terminal.Progress($"watching {plots.Count} plots over {season.Count} dates", plots.Count, progress =>
            SeasonMonitor.Watch(season, plots, options with { Zonal = options.Zonal with { Progress = progress } }));
        var provenance = Provenance.Of("plots monitor", stack.Epsg ?? "custom CRS (see the raster's WKT)",
            [InputFile.Of("plots", plotsPath), InputFile.Of("stack", stack.Path, null, $"{season.Count} acquisitions {season[0].Time:yyyy-MM-dd} to {season[^1].Time:yyyy-MM-dd}"),
                .. Sidecars("stack", stack),
                .. clouds is null ? Array.Empty<InputFile>() : [InputFile.Of("clouds", clouds.Path, null, "the same acquisitions"), .. Sidecars("clouds", clouds)]],
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
        var alerted = results.Count(p => p.Alerts.Count > 0);
        var clear = rows.Count(r => r.Clear);
        Console.WriteLine($"wrote {json}{(csv is null ? "" : $", {csv}")}{(png is null ? "" : $" and {curves.Count} growth curves in {png}")}: {results.Count} plots over {season.Count} dates ({clear} of {rows.Count} plot-dates clear), {alerted} with alerts");
        // No alert is only news when something was seen.
        if (clear == 0)
            Console.Error.WriteLine($"agri: warning: no plot was clear on any date (hidden over --max-hidden {F(options.MaxHiddenShare)} everywhere): nothing could be compared, so 'no alerts' says nothing; check --clouds and the dates");
        return (int)(alerted > 0 ? ExitCode.Found : ExitCode.Success);
    }

    /// <summary>One plot on one date, the CSV's row.</summary>
    private sealed record MonitorRow(string Id, string? Group, DateTimeOffset Time, double? Mean, double? Median, double ValidShare, bool Clear, double? Neighbours, bool Alert);

    private static DateTimeOffset Time(string flag, string text) =>
        text.Length >= 10 && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t)
            ? t : throw new UsageException($"{flag}: '{text}' is not YYYY-MM-DD or an ISO 8601 time");

    private static DateOnly Day(string flag, string text) =>
        DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d) ? d : throw new UsageException($"{flag}: '{text}' is not YYYY-MM-DD");

    public static Verb Overlap()
    {
        var plots = PlotsOption("new fields as GeoJSON (RFC 7946)");
        var insured = CliOptions.Required("--insured", "FILE.geojson", "fields already insured, each with a policy property naming its policy");
        var tolerance = CliOptions.Share("--tolerance", "overlaps up to this share of the new plot's area are not reported (survey noise along shared borders)", 0.01);
        var json = CliOptions.Json("each overlap: the two plot ids, the insured plot's policy, overlap_m2 (on the WGS84 ellipsoid) and its share of the new plot");
        var overwrite = CliOptions.Overwrite();
        var verb = new Verb("overlap", "new plots overlapping insured ones by more than the tolerance: the same land insured twice",
            "overlaps were found (listed in the output)",
            "tools/agri plots overlap --plots ../shared/data/imagery/eo-learn/lulc.geojson --insured ../shared/data/imagery/eo-learn/lulc.geojson --json /tmp/overlaps.json")
        {
            plots, insured, tolerance, json, overwrite,
        };
        verb.SetAction(p => RunOverlap(p.GetValue(plots)!, p.GetValue(insured)!, p.GetValue(tolerance), p.GetValue(json)!, p.GetValue(overwrite)));
        return verb;
    }

    private static int RunOverlap(string plotsPath, string insuredPath, double tolerance, string json, bool overwrite)
    {
        OutputFiles.Check(overwrite, ("--json", json));
        var plots = ReadPlots(plotsPath, "--plots");
        var insured = ReadPlots(insuredPath, "--insured");
        var check = new OverlapCheck(insured);
        var overlaps = plots.SelectMany(p => check.Find(p, tolerance)).ToList();
        if (overlaps.Count == 0 && OverlapCheck.LooksSwapped(plots, insured))
            throw new UsageException($"--plots {plotsPath} and --insured {insuredPath} lie apart, and one of them read as latitude, longitude falls where the other lies: a file gives latitude first, where GeoJSON is longitude, latitude (RFC 7946 §3.1.1); no overlap check was made");
        var provenance = Provenance.Of("plots overlap", "EPSG:4326 (areas on the WGS84 ellipsoid)", [InputFile.Of("plots", plotsPath), InputFile.Of("insured", insuredPath)], new Dictionary<string, string>
        {
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
        return (int)(overlaps.Count > 0 ? ExitCode.Found : ExitCode.Success);
    }

    public static Verb ClaimsByMap()
    {
        var plots = PlotsOption("insured fields as GeoJSON (RFC 7946)");
        var stack = CliOptions.Optional("--stack", "S", "a dated NDVI stack; --before and --after are then acquisition dates in it (DAY, full timestamp, or DAY#N)");
        var before = CliOptions.Required("--before", "RASTER|DATE", "the NDVI raster before the event (or, with --stack, its date)");
        var after = CliOptions.Required("--after", "RASTER|DATE", "the NDVI raster after the event (or, with --stack, its date)");
        var beforeDate = CliOptions.Optional("--before-date", "TIME", "when the before raster was acquired, where the file does not say (YYYY-MM-DD[THH:MM:SS])");
        var afterDate = CliOptions.Optional("--after-date", "TIME", "when the after raster was acquired, where the file does not say");
        var band = CliOptions.Whole("--band", "N", "NDVI band of the two rasters", 1, 1, 65535);
        var clouds = CliOptions.Optional("--clouds", "MASKS", "cloud-mask stack dated like --stack (non-zero = cloud)");
        var drop = CliOptions.Number("--drop", "NDVI", "a cell is damaged where NDVI before − after is at least this, in (0, 2]", 0.2);
        var sumInsured = CliOptions.Required("--sum-insured", "AMOUNT", "sum insured per plot, in --currency");
        var currency = new Option<string>("--currency") { HelpName = "CODE", Description = "ISO 4217 currency of the amounts", DefaultValueFactory = _ => "CNY" };
        var deductible = CliOptions.Number("--deductible", "SHARE", "share of the plot's damage not paid, in [0, 1)", 0.1);
        var hidden = MaxHidden();
        var workers = CliOptions.Workers();
        var json = CliOptions.Json("per plot: plot_m2 (ground area of the whole plot), damaged_m2, damaged share, hidden share, quality, indemnity");
        var csv = CliOptions.Csv("the same rows");
        var png = CliOptions.Optional("--png", "DIR", "a new or empty folder for one evidence map per plot (before and after, damaged / hidden / clear, scale, north, amounts)");
        var lang = MapLanguage();
        var overwrite = CliOptions.Overwrite();
        var verb = new Verb("by-map", "damaged share of each whole plot (NDVI fall of at least --drop) and its indemnity, with an evidence map per plot",
            "some plot cannot be paid from the map (partly outside the image, or hidden over --max-hidden; named in the output)",
            "tools/agri claims by-map --plots ../shared/data/imagery/eo-learn/lulc.geojson --stack ../shared/data/imagery/eo-learn/ndvi_stack.tif --clouds ../shared/data/imagery/eo-learn/clouds_stack.tif --before 2017-05-21 --after 2017-07-20 --drop 0.15 --sum-insured 10000 --json /tmp/claims.json --png /tmp/claim-maps")
        {
            plots, stack, before, after, beforeDate, afterDate, band, clouds, drop, sumInsured, currency, deductible, hidden, workers, json, csv, png, lang, overwrite,
        };
        verb.SetAction(p => RunClaimsByMap(p.GetValue(plots)!, p.GetValue(stack), p.GetValue(before)!, p.GetValue(after)!,
            p.GetValue(beforeDate) is { } bd ? Time("--before-date", bd) : null, p.GetValue(afterDate) is { } ad ? Time("--after-date", ad) : null,
            p.GetValue(band), p.GetValue(clouds), p.GetValue(drop), p.GetValue(sumInsured)!, p.GetValue(currency)!, p.GetValue(deductible), p.GetValue(hidden),
            p.GetValue(workers), p.GetValue(json)!, p.GetValue(csv), p.GetValue(png), p.GetValue(lang)!, p.GetValue(overwrite)));
        return verb;
    }

    /// <summary>The language the evidence maps are worded in; the provenance embedded in them is the same in every language.</summary>
    private static Option<ClaimMapText> MapLanguage() =>
        new("--lang")
        {
            HelpName = "TAG",
            Description = $"the language of the --png maps: {string.Join(" or ", ClaimMapText.Languages)}",
            DefaultValueFactory = _ => ClaimMapText.English,
            CustomParser = r =>
            {
                var tag = r.Tokens.Count == 1 ? r.Tokens[0].Value : "";
                if (ClaimMapText.For(tag) is { } text)
                    return text;
                r.AddError($"--lang: '{tag}' is not {string.Join(" or ", ClaimMapText.Languages)}");
                return ClaimMapText.English;
            },
        };

    private static int RunClaimsByMap(string plotsPath, string? stack, string before, string after, DateTimeOffset? beforeDate, DateTimeOffset? afterDate, int band, string? clouds,
        double drop, string sumText, string currency, double deductibleShare, double hiddenLimit, int workers, string json, string? csv, string? png, ClaimMapText lang, bool overwrite)
    {
        var deductible = (decimal)deductibleShare;
        if (stack is not null && (beforeDate is not null || afterDate is not null))
            throw new UsageException("--before-date and --after-date go with two rasters; a stack's bands carry their acquisition times");
        // No thousands separators: "1,5" read as 15 (or 1,0000 as 10000) would pay ten times the cover.
        if (!decimal.TryParse(sumText, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var sum))
            throw new UsageException($"--sum-insured: '{sumText}' is not an amount: digits with a point for decimals (10000 or 12500.50), no thousands separators");
        var money = Domain.Money.Create(sum, currency);
        if (!money.TryGet(out var sumInsured, out var moneyError))
            throw new UsageException($"{(moneyError.Field.EndsWith("currency", StringComparison.Ordinal) ? "--currency" : "--sum-insured")}: {moneyError.Reason}");
        if (!ClaimTerms.Create(drop, sumInsured, deductible, hiddenLimit).TryGet(out var terms, out var termsError))
            throw new UsageException($"--{Flag(termsError.Field)}: {termsError.Reason}");
        if (stack is not null)
        {
            CheckAcquisition("--before", before);
            CheckAcquisition("--after", after);
        }
        if (clouds is not null && stack is null)
            throw new UsageException("--clouds goes with --stack: a cloud-mask stack dated like it");
        OutputFiles.Check(overwrite, ("--json", json), ("--csv", csv));
        OutputFiles.CheckFolder("--png", png);

        var plots = ReadPlots(plotsPath, "--plots");
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
        inputs.AddRange([.. Sidecars("before", pre.Raster), .. post.Raster == pre.Raster ? [] : Sidecars("after", post.Raster)]);
        if (cloudPre is not null && cloudPost is not null)
            inputs.AddRange([Input("clouds_before", cloudPre.Raster, cloudPre.Band), Input("clouds_after", cloudPost.Raster, cloudPost.Band), .. Sidecars("clouds", cloudPre.Raster)]);
        var provenance = Provenance.Of("claims by-map", post.Raster.Epsg ?? "custom CRS (see the raster's WKT)", inputs, new Dictionary<string, string>
        {
            ["rule"] = $"damaged where NDVI before − after ≥ {F(terms.Drop)}; NDVI outside [-1, 1] counts as invalid",
            ["sum_insured"] = $"{terms.SumInsured.Amount.ToString(CultureInfo.InvariantCulture)} {terms.SumInsured.Currency} per plot",
            ["deductible"] = terms.Deductible.ToString(CultureInfo.InvariantCulture),
            ["indemnity"] = "sum insured × max(0, damaged share of the whole plot − deductible); 0 unless quality is ok",
            ["max_hidden"] = F(terms.MaxHiddenShare),
            ["areas"] = "ground areas on the WGS84 ellipsoid, m²; shares of the whole plot",
        });
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
            ClaimMaps.Write(window, plotsById[window.Assessment.Id], pre, post, provenance, lang, staged);
            lock (maps)
                maps.Add((staged, Path.Combine(png!, name)));
        };
        var results = Terminal.Progress($"assessing {plots.Count} plots{(png is null ? "" : " and drawing their maps")}", plots.Count, progress =>
            ClaimByMap.Assess(pre, post, plots, terms, cloudPre, cloudPost, draw, new ZonalOptions { Workers = workers, Cancellation = Commands.Interrupted, Progress = progress }));
        OutputFiles.WriteAll([
            (json, temp => Reports.WriteJson(temp, provenance, results)),
            (csv, temp => Reports.WriteCsv(temp, provenance, results)),
            .. maps.Select(m => ((string?)m.Final, (Action<string>)(temp => File.Move(m.Staged, temp))))]);
        // The plots that pay first, largest first, then those the map cannot decide: what an officer reads.
        var shown = results.Where(r => r.Indemnity.IsPositive).OrderByDescending(r => r.Indemnity.Amount)
            .Concat(results.Where(r => r.Quality != PlotQuality.Ok)).Take(50).ToList();
        Terminal.Table(
            [new Column("id", Ids: true), new Column("plot m²"), new Column("damaged"), new Column("hidden"), new Column("indemnity"), new Column("quality"), new Column("why", Wraps: true)],
            shown.Select(r => new[]
            {
                r.Id, $"{r.PlotM2:N1}", $"{r.DamageFraction:P1}", $"{r.NodataFraction + r.InvalidFraction:P1}",
                $"{r.Indemnity.Amount.ToString("N2", CultureInfo.InvariantCulture)} {r.Indemnity.Currency}", r.Quality.Name(), r.Note,
            }).ToList(),
            (row, column) => column == 5 ? (row[5] == "ok" ? "green" : "yellow") : null);
        var unpaid = results.Where(r => r.Quality != PlotQuality.Ok).ToList();
        if (results.Count(r => r.Indemnity.IsPositive) + unpaid.Count > shown.Count)
            Console.WriteLine($"… {results.Count(r => r.Indemnity.IsPositive) + unpaid.Count - shown.Count} more plots that pay or cannot be paid from the map, in {json}");
        if (unpaid.Count > 0)
            Console.WriteLine($"{unpaid.Count} plots cannot be paid from the map (quality column): a field survey decides them");
        Console.WriteLine($"wrote {json}{(csv is null ? "" : $", {csv}")}{(png is null ? "" : $" and {maps.Count} maps in {png}")}: {results.Count(r => r.Indemnity.IsPositive)} of {results.Count} plots pay, {results.Sum(r => r.Indemnity.Amount):N2} {currency} in all");
        return (int)(unpaid.Count > 0 ? ExitCode.Found : ExitCode.Success);
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

    /// <summary>The plots of a GeoJSON file. Errors: <see cref="UsageException"/> naming the flag, the
    /// feature and the reason.</summary>
    private static IReadOnlyList<PlotFeature> ReadPlots(string path, string flag) =>
        PlotReader.TryRead(path, out var plots, out var error) ? plots : throw new UsageException($"{flag}: {(error.Field == "plots" ? error.Reason : error.ToString())}");

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
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v) ? v : throw new UsageException($"{name}: '{text}' is not a number (use a point for decimals: 0.5)");

    private static string F(double v) => v.ToString("R", CultureInfo.InvariantCulture);
}
