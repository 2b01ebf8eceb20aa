using System.Security.Cryptography;

namespace AgriInsure.Protocol;

/// <summary>An ECDSA P-256 key that signs protocol messages: SHA-256 over a message's <see cref="CanonicalBytes"/>,
/// the signature as the 64-byte IEEE P1363 concatenation r‖s (FIPS 186-4). The private half stays with its owner;
/// the other side holds the public half as a SubjectPublicKeyInfo (RFC 5280 §4.1.2.7).</summary>
public abstract class P256SigningKey : IDisposable
{
    private readonly ECDsa _key;

    private protected P256SigningKey(ECDsa key) => _key = key;

    private protected static ECDsa NewKey() => ECDsa.Create(ECCurve.NamedCurves.nistP256);

    /// <summary>Reads a PKCS#8 private key; <see cref="CryptographicException"/> when it is not P-256.</summary>
    private protected static ECDsa Import(ReadOnlySpan<byte> pkcs8, string what)
    {
        var key = ECDsa.Create();
        key.ImportPkcs8PrivateKey(pkcs8, out _);
        if (key.KeySize != 256)
        {
            key.Dispose();
            throw new CryptographicException($"{what} are P-256; this one has {key.KeySize} bits");
        }
        return key;
    }

    public byte[] ExportPkcs8() => _key.ExportPkcs8PrivateKey();

    /// <summary>The public half, as a DER SubjectPublicKeyInfo.</summary>
    public byte[] PublicKey => _key.ExportSubjectPublicKeyInfo();

    private protected byte[] SignBytes(byte[] canonical) =>
        _key.SignData(canonical, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);

    /// <summary>True when <paramref name="signature"/> was made over <paramref name="canonical"/> by the P-256 key whose
    /// SubjectPublicKeyInfo is given; false for any other key, curve or signature length.</summary>
    private protected static bool Verify(ReadOnlySpan<byte> publicKeySpki, byte[] canonical, byte[] signature)
    {
        if (signature.Length != 64)
            return false;
        try
        {
            using var key = ECDsa.Create();
            key.ImportSubjectPublicKeyInfo(publicKeySpki, out _);
            return key.KeySize == 256 &&
                   key.VerifyData(canonical, signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    public void Dispose()
    {
        _key.Dispose();
        GC.SuppressFinalize(this);
    }
}

/// <summary>A handheld's key: it signs captures. The cloud holds the public half from when the device was provisioned.</summary>
public sealed class DeviceKey : P256SigningKey
{
    private DeviceKey(ECDsa key) : base(key) { }

    public static DeviceKey Create() => new(NewKey());

    public static DeviceKey FromPkcs8(ReadOnlySpan<byte> pkcs8) => new(Import(pkcs8, "device keys"));

    public Capture Sign(Capture capture) => capture with { Signature = SignBytes(CanonicalBytes.Of(capture)) };

    /// <summary>True when the capture's signature was made over its canonical bytes by the key whose
    /// SubjectPublicKeyInfo is given.</summary>
    internal static bool IsValid(Capture capture, ReadOnlySpan<byte> publicKeySpki)
    {
        byte[] canonical;
        try
        {
            canonical = CanonicalBytes.Of(capture);
        }
        catch (ArgumentException)
        {
            // A shape with no canonical bytes (a version 1 capture holding two photos) was signed by nobody.
            return false;
        }
        return Verify(publicKeySpki, canonical, capture.Signature);
    }
}

/// <summary>The cloud's ack key: it signs every <see cref="Ack"/>. Each handheld is provisioned with the public half
/// and settles a capture only on an ack that verifies against it (see <see cref="SignatureCheck.IsValid(Ack, ReadOnlySpan{byte})"/>),
/// so whoever can publish on a device's ack topic still cannot make it drop a capture.</summary>
public sealed class AckKey : P256SigningKey
{
    private AckKey(ECDsa key) : base(key) { }

    public static AckKey Create() => new(NewKey());

    public static AckKey FromPkcs8(ReadOnlySpan<byte> pkcs8) => new(Import(pkcs8, "ack keys"));

    /// <summary>The ack as version <see cref="Ack.CurrentVersion"/>, signed.</summary>
    public Ack Sign(Ack ack)
    {
        var current = ack with { V = Ack.CurrentVersion };
        return current with { Signature = SignBytes(CanonicalBytes.Of(current)) };
    }

    internal static bool IsValid(Ack ack, ReadOnlySpan<byte> publicKeySpki) =>
        ack.V == Ack.CurrentVersion && Verify(publicKeySpki, CanonicalBytes.Of(ack), ack.Signature);
}

public static class SignatureCheck
{
    /// <summary>True when the capture's signature was made over its canonical bytes by the device key whose
    /// SubjectPublicKeyInfo is given.</summary>
    public static bool IsValid(Capture capture, ReadOnlySpan<byte> publicKeySpki) => DeviceKey.IsValid(capture, publicKeySpki);

    /// <summary>True when the ack is of version <see cref="Ack.CurrentVersion"/> and its signature was made over its
    /// canonical bytes by the cloud ack key whose SubjectPublicKeyInfo is given. Version 1 acks carried no signature:
    /// false.</summary>
    public static bool IsValid(Ack ack, ReadOnlySpan<byte> cloudAckKeySpki) => AckKey.IsValid(ack, cloudAckKeySpki);
}
