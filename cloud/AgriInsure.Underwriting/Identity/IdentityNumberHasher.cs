using System.Security.Cryptography;
using System.Text;
using AgriInsure.Domain;

namespace AgriInsure.Underwriting.Identity;

/// <summary>Keeps a resident identity number only as HMAC-SHA256 (RFC 2104, FIPS 198-1) under one insurer's secret key.
/// <para>Why keyed: the numbers are few enough to try them all. Some 3,000 county codes × 36,500 birth dates a century ×
/// 1,000 sequence codes is about 10^11 (the check character adds nothing), and knowing a farmer's county and decade of
/// birth leaves about 10^7: a plain or publicly salted SHA-256 of the number is reversed by enumeration in seconds to
/// hours; without the key nobody can enumerate them. Why one key per insurer (from its configuration, never from the
/// registry): the same person checked twice gives the same hash within that insurer, so one person under two farmer
/// records shows (<see cref="Registry.IRegistry.IdentityChecksByNumberAsync"/>), while hashes of two insurers cannot be
/// joined. Keys are named (<see cref="KeyId"/>) so that they can be rotated: hashes compare only under one key.</para></summary>
public sealed class IdentityNumberHasher
{
    /// <summary>The shortest key accepted: 32 bytes, HMAC-SHA256's output length (RFC 2104 §3).</summary>
    public const int MinKeyBytes = 32;

    // Domain separation: a key configured for something else by mistake gives unrelated hashes.
    private static readonly byte[] Label = Encoding.ASCII.GetBytes("agri-insure/resident-identity-number/v1\n");

    private readonly byte[] _key;

    private IdentityNumberHasher(string keyId, byte[] key)
    {
        KeyId = keyId;
        _key = key;
    }

    /// <summary>The key's name, stored beside each hash.</summary>
    public string KeyId { get; }

    /// <summary>A hasher with the key <paramref name="key"/> named <paramref name="keyId"/>. Fails naming
    /// <c>{field}.keyId</c> (not an <see cref="Id"/>) or <c>{field}.key</c> (shorter than <see cref="MinKeyBytes"/>
    /// bytes); the key is never part of an error.</summary>
    public static Result<IdentityNumberHasher> Create(string keyId, ReadOnlySpan<byte> key, string field = "identityKey")
    {
        if (Id.Check(keyId, $"{field}.keyId").Error is { } bad)
            return bad;
        if (key.Length < MinKeyBytes)
            return Result<IdentityNumberHasher>.Fail($"{field}.key", $"is {key.Length} bytes; an HMAC-SHA256 key has at least {MinKeyBytes} (make one with `openssl rand -base64 32`)");
        return Result<IdentityNumberHasher>.Ok(new IdentityNumberHasher(keyId, key.ToArray()));
    }

    /// <summary><see cref="Create(string, ReadOnlySpan{byte}, string)"/> from the base64 text a configuration holds; fails
    /// naming <c>{field}.key</c> when it is missing or not base64.</summary>
    public static Result<IdentityNumberHasher> FromBase64(string keyId, string? base64, string field = "identityKey")
    {
        if (string.IsNullOrWhiteSpace(base64))
            return Result<IdentityNumberHasher>.Fail($"{field}.key", "is missing");
        var bytes = new byte[base64.Length];
        return Convert.TryFromBase64String(base64.Trim(), bytes, out var written)
            ? Create(keyId, bytes.AsSpan(0, written), field)
            : Result<IdentityNumberHasher>.Fail($"{field}.key", "is not base64");
    }

    /// <summary>HMAC-SHA256(key, label ‖ the 18 characters in ASCII, check character upper case), as lower-case hex.</summary>
    public IdentityHash Hash(ResidentIdentityNumber number)
    {
        var message = new byte[Label.Length + 18];
        Label.CopyTo(message, 0);
        Encoding.ASCII.GetBytes(number.Canonical, message.AsSpan(Label.Length));
        var mac = HMACSHA256.HashData(_key, message);
        CryptographicOperations.ZeroMemory(message);
        return IdentityHash.Create(KeyId, Convert.ToHexStringLower(mac)).Value;
    }

    public override string ToString() => $"identity number hasher (key {KeyId})";
}
