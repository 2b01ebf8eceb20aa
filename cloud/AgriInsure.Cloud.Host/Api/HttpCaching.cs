using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace AgriInsure.Cloud.Host.Api;

/// <summary>Entity tags (RFC 9110 §8.8.3) for what the host draws or scales, so a browser on a slow link that has a
/// picture asks with <c>If-None-Match</c> and gets 304 without a body. The tag is made from what the picture is drawn
/// from, so the answer can be known before any drawing.</summary>
internal static class HttpCaching
{
    /// <summary>A strong tag: SHA-256 of <paramref name="parts"/> (lines), 128 bits in hex, quoted.</summary>
    public static string Tag(params string[] parts) =>
        $"\"{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join("\n", parts))))[..32]}\"";

    /// <summary>Sets the response's <c>ETag</c> and <c>Cache-Control</c>; true when the request's <c>If-None-Match</c>
    /// holds <paramref name="tag"/> (weak comparison) or <c>*</c>: answer 304 then.</summary>
    public static bool NotModified(HttpContext http, string tag, string cacheControl)
    {
        http.Response.Headers.ETag = tag;
        http.Response.Headers.CacheControl = cacheControl;
        var ours = new EntityTagHeaderValue(tag);
        return http.Request.GetTypedHeaders().IfNoneMatch is { Count: > 0 } asked
            && asked.Any(t => t.Equals(EntityTagHeaderValue.Any) || t.Compare(ours, useStrongComparison: false));
    }
}
