using System.Security.Cryptography;
using System.Text;

namespace AgriInsure.Domain;

/// <summary>A SHA-256 digest as lower-case hex: what the ledger is given instead of ids and evidence,
/// so no personal data reaches a ledger that other insurers share.</summary>
public readonly record struct Digest
{
    private Digest(string hex) => Hex = hex;

    /// <summary>64 lower-case hex digits.</summary>
    public string Hex { get; }

    /// <summary>SHA-256 over the UTF-8 of the parts, each prefixed by its length in UTF-16 units and ':'.
    /// The prefix keeps ("a|b","c") and ("a","b|c") apart. The one hashing rule for keys and payloads.</summary>
    public static Digest Of(params string[] parts)
    {
        var text = string.Concat(parts.Select(p => $"{p.Length}:{p}"));
        return new Digest(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text))));
    }

    /// <summary>Fails, naming <paramref name="field"/>, unless <paramref name="hex"/> is 64 lower-case hex digits.</summary>
    public static Result<Digest> FromHex(string? hex, string field) =>
        hex is { Length: 64 } && hex.All(char.IsAsciiHexDigitLower)
            ? Result<Digest>.Ok(new Digest(hex))
            : Result<Digest>.Fail(field, "is not a lower-case SHA-256 hex digest");

    public override string ToString() => Hex;
}
