using System.Globalization;
using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace AgriInsure.Cli;

/// <summary>Where a figure came from: enough to reproduce and defend it later.</summary>
/// <param name="Inputs">Each file read: its role, path, SHA-256, and for rasters the band and acquisition time.</param>
/// <param name="Settings">The rule, thresholds and terms the figures rest on.</param>
internal sealed record Provenance(string Tool, string Version, DateTimeOffset RunAt, string Crs, IReadOnlyList<InputFile> Inputs, IReadOnlyDictionary<string, string> Settings)
{
    public static Provenance Of(string verb, string crs, IReadOnlyList<InputFile> inputs, IReadOnlyDictionary<string, string> settings) =>
        new($"agri {verb}", typeof(Provenance).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown",
            DateTimeOffset.UtcNow, crs, inputs, settings);

    /// <summary>Flat key/value lines (CSV header comments, PNG text chunks, printed map footers).</summary>
    public IEnumerable<(string Key, string Value)> Lines()
    {
        yield return ("tool", $"{Tool} {Version}");
        yield return ("run_at", RunAt.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture));
        yield return ("crs", Crs);
        foreach (var input in Inputs)
            yield return (input.Role, $"{input.Path}{(input.Band is { } b ? $" band {b}" : "")}{(input.Acquired is null ? "" : $" acquired {input.Acquired}")} sha256 {input.Sha256}");
        foreach (var (key, value) in Settings)
            yield return (key, value);
    }
}

/// <param name="Band">The raster band read; null for plot files and where every band is (a season's stack).</param>
/// <param name="Sha256">The file's SHA-256 (hex): the path says where it was, the digest what it held.</param>
internal sealed record InputFile(string Role, string Path, int? Band, string? Acquired, string Sha256)
{
    private static readonly Dictionary<string, string> Digests = [];

    public static InputFile Of(string role, string path, int? band = null, string? acquired = null)
    {
        var full = System.IO.Path.GetFullPath(path);
        string digest;
        lock (Digests)
        {
            if (!Digests.TryGetValue(full, out digest!))
            {
                using var stream = File.OpenRead(full);
                Digests[full] = digest = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(stream));
            }
        }
        return new InputFile(role, full, band, acquired, digest);
    }
}

/// <summary>The one way verbs write their records: JSON (snake_case members, enums as kebab-case wire
/// strings) as {"provenance": …, "plots": […]}, and CSV with the provenance as leading '#' lines.</summary>
internal static class Reports
{
    private static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        // Files for people and programs, never embedded in HTML: m², ≥ and Chinese names stay readable.
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower), new MoneyConverter() },
    };

    /// <summary>An amount as {"amount": 12.34, "currency": "CNY"}: the figure and its unit, nothing derived.</summary>
    private sealed class MoneyConverter : JsonConverter<Domain.Money>
    {
        public override Domain.Money Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            throw new NotSupportedException("reports are written, not read");

        public override void Write(Utf8JsonWriter writer, Domain.Money value, JsonSerializerOptions options)
        {
            writer.WriteStartObject();
            writer.WriteNumber("amount", value.Amount);
            writer.WriteString("currency", value.Currency);
            writer.WriteEndObject();
        }
    }

    /// <summary>Any other document a verb writes (a JSON node keeps its own member names).</summary>
    public static void WriteDocument(string path, object document)
    {
        using var file = File.Create(path);
        JsonSerializer.Serialize(file, document, document.GetType(), Options);
    }

    /// <summary>Streamed to the file: a season of 5,000 plots is 87 MB of JSON, not worth holding as a string.</summary>
    public static void WriteJson<T>(string path, Provenance provenance, IEnumerable<T> rows)
    {
        using var file = File.Create(path);
        JsonSerializer.Serialize(file, new { provenance, plots = rows }, Options);
    }

    /// <summary>One column per public property of <typeparamref name="T"/> (a Money becomes two columns,
    /// amount and currency), named as in the JSON.</summary>
    public static void WriteCsv<T>(string path, Provenance provenance, IEnumerable<T> rows)
    {
        var properties = typeof(T).GetProperties(BindingFlags.Public | BindingFlags.Instance);
        using var csv = new StreamWriter(path, append: false, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
        foreach (var (key, value) in provenance.Lines())
            csv.Write($"# {key}: {value.ReplaceLineEndings(" ")}\n");
        var names = properties.SelectMany(p => p.PropertyType == typeof(Domain.Money)
            ? new[] { Name(p.Name), Name(p.Name) + "_currency" } : new[] { Name(p.Name) });
        csv.Write(string.Join(',', names) + "\n");
        foreach (var row in rows)
            csv.Write(string.Join(',', properties.SelectMany(p => Cells(p.GetValue(row)))) + "\n");
    }

    private static string Name(string property) => JsonNamingPolicy.SnakeCaseLower.ConvertName(property);

    private static IEnumerable<string> Cells(object? value) => value switch
    {
        null => [""],
        Domain.Money m => [m.Amount.ToString(CultureInfo.InvariantCulture), m.Currency],
        double d => [d.ToString("R", CultureInfo.InvariantCulture)],
        // As in the JSON: ISO 8601 in UTC and lower-case booleans, whatever the machine's locale.
        DateTimeOffset t => [t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)],
        bool b => [b ? "true" : "false"],
        Enum e => [JsonNamingPolicy.KebabCaseLower.ConvertName(e.ToString())],
        IFormattable f => [Quote(f.ToString(null, CultureInfo.InvariantCulture))],
        _ => [Quote(value.ToString() ?? "")],
    };

    private static string Quote(string s) => s.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? $"\"{s.Replace("\"", "\"\"")}\"" : s;
}
