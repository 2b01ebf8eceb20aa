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
            : (Parameter().Match(bad.Message) is { Success: true } m ? m.Groups["name"].Value : "request", FirstLine(bad.Message));
        context.ProblemDetails.Title = $"{field}: {reason}";
        context.ProblemDetails.Extensions["errors"] = new Dictionary<string, string[]> { [field] = [reason] };
    }

    /// <summary><c>$.start</c> → <c>start</c>; the whole body (<c>$</c> or none) → <c>body</c>.</summary>
    private static string JsonField(string? path) => path is null or "$" ? "body" : path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path;

    private static string FirstLine(string message) => message.Split('\n')[0].Trim();

    /// <summary>Minimal APIs name the parameter as <c>parameter "int? limit"</c> in their binding errors.</summary>
    [GeneratedRegex("""parameter "(?:[^"]* )?(?<name>[A-Za-z_][A-Za-z0-9_]*)" """)]
    private static partial Regex Parameter();
}
