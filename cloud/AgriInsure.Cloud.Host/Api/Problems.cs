using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;

namespace AgriInsure.Cloud.Host.Api;

/// <summary>Problem details (RFC 9457) for requests the endpoints could not even read: the field at fault goes under
/// <c>errors</c>, as for the inputs the rules refuse.</summary>
internal static partial class Problems
{
    public static void NameTheField(ProblemDetailsContext context)
    {
        if (context.Exception is not BadHttpRequestException bad)
            return;
        var (field, reason) = bad.InnerException is JsonException json
            ? (JsonField(json.Path), $"is not what the field takes ({FirstLine(json.Message)})")
            : Parameter().Match(bad.Message) is { Success: true } m
                ? (m.Groups["name"].Value, m.Groups["value"].Success ? $"'{m.Groups["value"].Value}' is not {Expected(m.Groups["type"].Value)}" : FirstLine(bad.Message))
                : ("request", FirstLine(bad.Message));
        context.ProblemDetails.Title = $"{field}: {reason}";
        context.ProblemDetails.Extensions["errors"] = new Dictionary<string, string[]> { [field] = [reason] };
    }

    /// <summary><c>$.start</c> → <c>start</c>; the whole body (<c>$</c> or none) → <c>body</c>.</summary>
    private static string JsonField(string? path) => path is null or "$" ? "body" : path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path;

    private static string FirstLine(string message) => message.Split('\n')[0].Trim();

    /// <summary>What a query value of the parameter's type looks like, in a user's words.</summary>
    private static string Expected(string type) => type.Replace("Nullable<", "", StringComparison.Ordinal).TrimEnd('>', '?') switch
    {
        "int" or "Int32" or "long" or "Int64" => "a whole number (up to 2147483647)",
        "decimal" or "Decimal" or "double" or "Double" => "a number",
        "bool" or "Boolean" => "true or false",
        "DateOnly" => "a day (YYYY-MM-DD)",
        var other => $"a {other}",
    };

    /// <summary>Minimal APIs name the parameter as <c>parameter "Nullable&lt;int&gt; limit" from "abc"</c> in their binding
    /// errors (the value only when one was given).</summary>
    [GeneratedRegex("""parameter "(?:(?<type>[^"]*) )?(?<name>[A-Za-z_][A-Za-z0-9_]*)"(?: from "(?<value>[^"]*)")?""")]
    private static partial Regex Parameter();
}
