using System.Globalization;
using System.Text.Json;
using AgriInsure.Domain;
using AgriInsure.Imagery.Plots;
using AgriInsure.Imagery.Rasters;
using AgriInsure.Imagery.Zonal;

namespace AgriInsure.Crops;

/// <summary>One season as the catalogue names it: its acquisitions (not yet opened) and how its plots are watched.</summary>
public sealed record SeasonDefinition(string Name, DateOnly? From, DateOnly? To, IReadOnlyList<SeasonEntry> Entries, MonitorOptions Options, int Index);

/// <summary>One entry of a season's <c>acquisitions</c>: an NDVI raster of the folder (a dated stack without
/// <see cref="Band"/>: each of its bands; else band <see cref="Band"/>, default 1, seen at <see cref="Time"/> or when the file
/// says), and an optional cloud mask on the same grid (non-zero = cloud; a dated stack is matched band by band by acquisition
/// time, else band <see cref="CloudBand"/>, default 1).</summary>
public sealed record SeasonEntry(string? Ndvi, int? Band, string? Clouds, int? CloudBand, DateTimeOffset? Time);

/// <summary>A season's acquisitions with their rasters open (closed on <see cref="Dispose"/>), in time order.</summary>
public sealed class OpenedSeason(SeasonDefinition definition, IReadOnlyList<Acquisition> acquisitions, IReadOnlyList<GdalRaster> opened) : IDisposable
{
    public SeasonDefinition Definition { get; } = definition;

    public IReadOnlyList<Acquisition> Acquisitions { get; } = acquisitions;

    public void Dispose()
    {
        foreach (var raster in opened)
            raster.Dispose();
    }
}

/// <summary>The seasons the cloud watches: <c>seasons.json</c> at the top of the raster folder (<see cref="FileName"/>), for
/// example
/// <code>
/// {"seasons": [{"name": "2017", "from": "2017-01-01", "to": "2017-12-31",
///               "acquisitions": [{"ndvi": "eo-learn/ndvi_stack.tif", "clouds": "eo-learn/clouds_stack.tif"},
///                                {"ndvi": "2027/ndvi_may.tif", "band": 1, "time": "2027-05-10T03:12:00Z"}],
///               "maxHiddenShare": 0.2, "margin": 0.15, "consecutive": 2, "radiusKm": 5, "minNeighbours": 3}]}
/// </code>
/// <c>from</c>/<c>to</c> (days, inclusive) keep only the acquisitions between them; the monitoring settings are those of
/// <c>tools/agri plots monitor</c> (<see cref="MonitorOptions"/>, same defaults). Every acquisition of a season must lie on
/// one grid. No file: no seasons. Errors name the file's field (<c>seasons[0].acquisitions[1].ndvi</c>) and the reason.</summary>
public static class SeasonCatalogue
{
    public const string FileName = "seasons.json";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { AllowTrailingCommas = true, ReadCommentHandling = JsonCommentHandling.Skip };

    /// <summary>The seasons of the folder's catalogue, in the file's order; empty without a catalogue.</summary>
    public static Result<IReadOnlyList<SeasonDefinition>> Read(RasterFolder folder)
    {
        var path = Path.Combine(folder.Root, FileName);
        if (!File.Exists(path))
            return Result<IReadOnlyList<SeasonDefinition>>.Ok([]);
        CatalogueFile? file;
        try
        {
            file = JsonSerializer.Deserialize<CatalogueFile>(File.ReadAllText(path), Json);
        }
        catch (JsonException e)
        {
            return Result<IReadOnlyList<SeasonDefinition>>.Fail(e.Path is null or "$" ? "seasons" : e.Path.TrimStart('$', '.'), $"is not what the catalogue takes ({e.Message.Split('\n')[0]})");
        }
        if (file?.Seasons is not { } seasons)
            return Result<IReadOnlyList<SeasonDefinition>>.Fail("seasons", "is missing: the catalogue is {\"seasons\": [...]}");
        var defaults = new MonitorOptions();
        var read = new List<SeasonDefinition>();
        for (var k = 0; k < seasons.Count; k++)
        {
            var s = seasons[k];
            var at = $"seasons[{k}]";
            if (string.IsNullOrWhiteSpace(s.Name))
                return Result<IReadOnlyList<SeasonDefinition>>.Fail($"{at}.name", "is missing");
            if (read.Any(r => r.Name == s.Name))
                return Result<IReadOnlyList<SeasonDefinition>>.Fail($"{at}.name", $"'{s.Name}' names an earlier season too");
            if (s.From is { } from && s.To is { } to && to < from)
                return Result<IReadOnlyList<SeasonDefinition>>.Fail($"{at}.to", $"{to:yyyy-MM-dd} is before from {from:yyyy-MM-dd}");
            if (s.Acquisitions is not { Count: > 0 } entries)
                return Result<IReadOnlyList<SeasonDefinition>>.Fail($"{at}.acquisitions", "is missing or empty");
            var options = defaults with
            {
                MaxHiddenShare = s.MaxHiddenShare ?? defaults.MaxHiddenShare,
                Margin = s.Margin ?? defaults.Margin,
                Consecutive = s.Consecutive ?? defaults.Consecutive,
                NeighbourRadiusM = s.RadiusKm is { } km ? km * 1000 : defaults.NeighbourRadiusM,
                MinNeighbours = s.MinNeighbours ?? defaults.MinNeighbours,
            };
            if (!(options.MaxHiddenShare is >= 0 and < 1))
                return Result<IReadOnlyList<SeasonDefinition>>.Fail($"{at}.maxHiddenShare", $"{options.MaxHiddenShare} is outside [0, 1)");
            if (!(options.Margin is >= 0 and <= 2))
                return Result<IReadOnlyList<SeasonDefinition>>.Fail($"{at}.margin", $"{options.Margin} is outside [0, 2] (NDVI)");
            if (options.Consecutive < 1 || options.MinNeighbours < 1)
                return Result<IReadOnlyList<SeasonDefinition>>.Fail($"{at}.{(options.Consecutive < 1 ? "consecutive" : "minNeighbours")}", "is less than 1");
            if (!(options.NeighbourRadiusM is > 0 and <= 100_000))
                return Result<IReadOnlyList<SeasonDefinition>>.Fail($"{at}.radiusKm", $"{options.NeighbourRadiusM / 1000} is outside (0, 100] km");
            read.Add(new SeasonDefinition(s.Name, s.From, s.To, [.. entries.Select(e => new SeasonEntry(e.Ndvi, e.Band, e.Clouds, e.CloudBand, e.Time))], options, k));
        }
        return Result<IReadOnlyList<SeasonDefinition>>.Ok(read);
    }

    /// <summary>Opens the season's rasters and lists its acquisitions between its days, in time order. Fails naming the
    /// entry's field for a raster the folder lacks or GDAL cannot read, a band the raster lacks, an acquisition whose time
    /// nothing states, a cloud mask without the acquisition, or a season left with no acquisition.</summary>
    public static Result<OpenedSeason> Open(RasterFolder folder, SeasonDefinition season)
    {
        var opened = new Dictionary<string, GdalRaster>(StringComparer.Ordinal);
        var acquisitions = new List<Acquisition>();
        var at = $"seasons[{season.Index}]";
        try
        {
            for (var i = 0; i < season.Entries.Count; i++)
            {
                var entry = season.Entries[i];
                var field = $"{at}.acquisitions[{i}]";
                if (!OpenRaster(folder, opened, entry.Ndvi, $"{field}.ndvi").TryGet(out var ndvi, out var error))
                    return Fail(error);
                GdalRaster? clouds = null;
                if (entry.Clouds is not null && !OpenRaster(folder, opened, entry.Clouds, $"{field}.clouds").TryGet(out clouds, out error))
                    return Fail(error);
                IEnumerable<int> bands = entry.Band is null && ndvi.IsDatedStack ? Enumerable.Range(1, ndvi.Bands) : [entry.Band ?? 1];
                foreach (var band in bands)
                {
                    if (band < 1 || band > ndvi.Bands)
                        return Fail(new ValidationError($"{field}.band", $"{band}: '{entry.Ndvi}' has bands 1 to {ndvi.Bands}"));
                    if ((entry.Time ?? ndvi.AcquiredAt(band)) is not { } time)
                        return Fail(new ValidationError($"{field}.time", $"is missing and '{entry.Ndvi}' does not say when band {band} was acquired"));
                    var day = DateOnly.FromDateTime(time.UtcDateTime);
                    if (day < (season.From ?? DateOnly.MinValue) || day > (season.To ?? DateOnly.MaxValue))
                        continue;
                    RasterBand? mask = null;
                    if (clouds is not null)
                    {
                        var maskBand = entry.CloudBand ?? 1;
                        if (entry.CloudBand is null && clouds.IsDatedStack)
                        {
                            var stamp = ndvi.Description(band);
                            maskBand = Enumerable.Range(1, clouds.Bands).FirstOrDefault(b => clouds.Description(b) == stamp);
                            if (maskBand == 0)
                                return Fail(new ValidationError($"{field}.clouds", $"'{entry.Clouds}' has no band acquired {stamp}, which '{entry.Ndvi}' has"));
                        }
                        if (maskBand < 1 || maskBand > clouds.Bands)
                            return Fail(new ValidationError($"{field}.cloudBand", $"{maskBand}: '{entry.Clouds}' has bands 1 to {clouds.Bands}"));
                        mask = new RasterBand(clouds, maskBand);
                    }
                    acquisitions.Add(new Acquisition(time, new RasterBand(ndvi, band), mask));
                }
            }
            if (acquisitions.Count == 0)
                return Fail(new ValidationError($"{at}.acquisitions", $"hold no acquisition from {Day(season.From)} to {Day(season.To)}"));
            return Result<OpenedSeason>.Ok(new OpenedSeason(season, [.. acquisitions.OrderBy(a => a.Time)], [.. opened.Values]));
        }
        catch (RasterException e)
        {
            return Fail(new ValidationError($"{at}.acquisitions", e.Error.Reason));
        }

        Result<OpenedSeason> Fail(ValidationError error)
        {
            foreach (var raster in opened.Values)
                raster.Dispose();
            return Result<OpenedSeason>.Fail(error);
        }
    }

    private static Result<GdalRaster> OpenRaster(RasterFolder folder, Dictionary<string, GdalRaster> opened, string? name, string field)
    {
        if (!folder.Resolve(name, field).TryGet(out var path, out var missing))
            return missing;
        if (opened.TryGetValue(path, out var raster))
            return Result<GdalRaster>.Ok(raster);
        if (!GdalRaster.TryOpen(path, out raster, out var unreadable))
            return new ValidationError(field, $"'{name}' cannot be read as a georeferenced raster ({unreadable.Code}: {unreadable.Reason})");
        opened[path] = raster;
        return Result<GdalRaster>.Ok(raster);
    }

    private static string Day(DateOnly? day) => day?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) ?? "any day";

    private sealed record CatalogueFile(List<SeasonFile>? Seasons);

    private sealed record SeasonFile(
        string? Name, DateOnly? From, DateOnly? To, double? MaxHiddenShare, double? Margin, int? Consecutive, double? RadiusKm, int? MinNeighbours,
        List<AcquisitionFile>? Acquisitions);

    private sealed record AcquisitionFile(string? Ndvi, int? Band, string? Clouds, int? CloudBand, DateTimeOffset? Time);
}
