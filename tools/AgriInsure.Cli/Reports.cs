using System.Globalization;
using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace AgriInsure.Cli;

/// <summary>Where a figure came from: enough to reproduce and defend it later.</summary>
/// <param name="Inputs">Each raster read: its role, path, band and acquisition time where the file states one.</param>
/// <param name="Settings">The rule, thresholds and terms the figures rest on.</param>
internal sealed record Provenance(string Tool, string Version, DateTimeOffset RunAt, string Crs, IReadOnlyList<RasterInput> Inputs, IReadOnlyDictionary<string, string> Settings)
{
    public static Provenance Of(string verb, string crs, IReadOnlyList<RasterInput> inputs, IReadOnlyDictionary<string, string> settings) =>
        new($"agri {verb}", typeof(Provenance).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown",
            DateTimeOffset.UtcNow, crs, inputs, settings);

    /// <summary>Flat key/value lines (CSV header comments, PNG text chunks, printed map footers).</summary>
    public IEnumerable<(string Key, string Value)> Lines()
    {
        yield return ("tool", $"{Tool} {Version}");
        yield return ("run_at", RunAt.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture));
        yield return ("crs", Crs);
        foreach (var input in Inputs)
            yield return (input.Role, $"{input.Path}{(input.Band is { } b ? $" band {b}" : "")}{(input.Acquired is null ? "" : $" acquired {input.Acquired}")}");
        foreach (var (key, value) in Settings)
            yield return (key, value);
    }
}

/// <param name="Band">The band read; null where every band is (a season's stack).</param>
internal sealed record RasterInput(string Role, string Path, int? Band, string? Acquired);

/// <summary>The one way verbs write their records: JSON (snake_case members, enums as kebab-case wire
/// strings) as {"provenance": …, "plots": […]}, and CSV with the provenance as leading '#' lines.</summary>
internal static class Reports
{
    private static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
    };

    public static string Json<T>(Provenance provenance, IEnumerable<T> rows) => JsonSerializer.Serialize(new { provenance, plots = rows }, Options);

    /// <summary>One column per public property of <typeparamref name="T"/> (a Money becomes two columns,
    /// amount and currency), named as in the JSON.</summary>
    public static string Csv<T>(Provenance provenance, IEnumerable<T> rows)
    {
        var properties = typeof(T).GetProperties(BindingFlags.Public | BindingFlags.Instance);
        var sb = new StringBuilder();
        foreach (var (key, value) in provenance.Lines())
            sb.Append("# ").Append(key).Append(": ").Append(value.ReplaceLineEndings(" ")).Append('\n');
        var names = properties.SelectMany(p => p.PropertyType == typeof(Domain.Money)
            ? new[] { Name(p.Name), Name(p.Name) + "_currency" } : new[] { Name(p.Name) });
        sb.AppendJoin(',', names).Append('\n');
        foreach (var row in rows)
        {
            sb.AppendJoin(',', properties.SelectMany(p => Cells(p.GetValue(row)))).Append('\n');
        }
        return sb.ToString();
    }

    private static string Name(string property) => JsonNamingPolicy.SnakeCaseLower.ConvertName(property);

    private static IEnumerable<string> Cells(object? value) => value switch
    {
        null => [""],
        Domain.Money m => [m.Amount.ToString(CultureInfo.InvariantCulture), m.Currency],
        double d => [d.ToString("R", CultureInfo.InvariantCulture)],
        Enum e => [JsonNamingPolicy.KebabCaseLower.ConvertName(e.ToString())],
        IFormattable f => [Quote(f.ToString(null, CultureInfo.InvariantCulture))],
        _ => [Quote(value.ToString() ?? "")],
    };

    private static string Quote(string s) => s.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? $"\"{s.Replace("\"", "\"\"")}\"" : s;
}
