using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Numerics;

namespace AgriInsure.Cli;

/// <summary>How options are made: each with its help name, description (units and what it is for) and
/// default, and checked while parsing, so a bad value is refused before any file is opened.</summary>
internal static class CliOptions
{
    public static Option<string> Required(string name, string helpName, string description) =>
        NotEmpty(new Option<string>(name) { HelpName = helpName, Description = description, Required = true });

    public static Option<string?> Optional(string name, string helpName, string description) =>
        NotEmpty(new Option<string?>(name) { HelpName = helpName, Description = description });

    /// <summary>An empty value (<c>--agent ""</c>) is never meant: refused while parsing, naming the option, rather than
    /// read as a name, a path or an id that is not there.</summary>
    private static Option<T> NotEmpty<T>(Option<T> option)
    {
        option.Validators.Add(r =>
        {
            if (r.Tokens.Any(t => string.IsNullOrWhiteSpace(t.Value)))
                r.AddError($"{option.Name}: give a value, not an empty one");
        });
        return option;
    }

    public static Option<bool> Switch(string name, string description) => new(name) { Description = description };

    public static Option<string> Json(string what) =>
        Required("--json", "OUT.json", $"{what}, with the provenance of every figure (inputs with their SHA-256, settings, tool version, run time)");

    public static Option<string?> Csv(string what) =>
        Optional("--csv", "OUT.csv", $"{what} as CSV, the provenance in leading '#' lines");

    public static Option<bool> Overwrite() =>
        Switch("--overwrite", "replace output files that exist already (without it, an existing file is refused and left as it is); a --png folder is never replaced: it must be new or empty");

    public static Option<int> Workers() =>
        Whole("--workers", "N", "threads reading the rasters, each with its own GDAL handles", Environment.ProcessorCount, 1, 256);

    public static Option<T> Whole<T>(string name, string helpName, string description, T fallback, T min, T max, bool required = false)
        where T : IBinaryInteger<T> =>
        new(name)
        {
            HelpName = helpName,
            Description = description,
            Required = required,
            DefaultValueFactory = required ? null : _ => fallback,
            CustomParser = r =>
            {
                var text = Token(r);
                if (T.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v >= min && v <= max)
                    return v;
                r.AddError($"{name} must be a whole number from {min} to {max}; got '{text}'");
                return fallback;
            },
        };

    /// <summary>A finite number; <paramref name="check"/> returns why a value is refused, or null.</summary>
    public static Option<double> Number(string name, string helpName, string description, double fallback, Func<double, string?>? check = null) =>
        new(name)
        {
            HelpName = helpName,
            Description = description,
            DefaultValueFactory = _ => fallback,
            CustomParser = r =>
            {
                var text = Token(r);
                if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || !double.IsFinite(v))
                    r.AddError($"{name}: '{text}' is not a number (use a point for decimals: 0.15)");
                else if (check?.Invoke(v) is { } reason)
                    r.AddError($"{name}: {text} {reason}");
                return v;
            },
        };

    /// <summary>A share of a plot, from 0 to 1.</summary>
    public static Option<double> Share(string name, string description, double fallback) =>
        Number(name, "SHARE", description, fallback, v => v is >= 0 and <= 1 ? null : "is not a share between 0 and 1");

    private static string Token(ArgumentResult result) => result.Tokens.Count == 1 ? result.Tokens[0].Value : "";
}
