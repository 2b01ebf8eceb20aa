using System.Security.Cryptography;
using System.Text;

namespace AgriInsure.Livestock;

/// <summary>What the ledger is given instead of ids and evidence: SHA-256 digests, so no personal data
/// reaches a ledger that other insurers share.</summary>
internal static class Hashes
{
    public static string Of(params string[] parts) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Concat(parts.Select(p => $"{p.Length}:{p}")))));
}
