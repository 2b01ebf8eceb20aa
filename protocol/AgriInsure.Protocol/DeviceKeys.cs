using System.Security.Cryptography;

namespace AgriInsure.Protocol;

/// <summary>A handheld's ECDSA P-256 key. The private half stays on the device; the cloud holds the
/// public half (SubjectPublicKeyInfo) from when the device was provisioned.</summary>
public sealed class DeviceKey : IDisposable
{
    private readonly ECDsa _key;

    private DeviceKey(ECDsa key) => _key = key;

    public static DeviceKey Create() => new(ECDsa.Create(ECCurve.NamedCurves.nistP256));

    public static DeviceKey FromPkcs8(ReadOnlySpan<byte> pkcs8)
    {
        var key = ECDsa.Create();
        key.ImportPkcs8PrivateKey(pkcs8, out _);
        if (key.KeySize != 256)
        {
            key.Dispose();
            throw new CryptographicException($"device keys are P-256; this one has {key.KeySize} bits");
        }
        return new DeviceKey(key);
    }

    public byte[] ExportPkcs8() => _key.ExportPkcs8PrivateKey();

    public byte[] PublicKey => _key.ExportSubjectPublicKeyInfo();

    public Capture Sign(Capture capture) =>
        capture with { Signature = _key.SignData(CanonicalBytes.Of(capture), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation) };

    public void Dispose() => _key.Dispose();
}

public static class SignatureCheck
{
    /// <summary>True when the capture's signature was made over its canonical bytes by the key whose
    /// SubjectPublicKeyInfo is given.</summary>
    public static bool IsValid(Capture capture, ReadOnlySpan<byte> publicKeySpki)
    {
        if (capture.Signature.Length != 64)
            return false;
        try
        {
            using var key = ECDsa.Create();
            key.ImportSubjectPublicKeyInfo(publicKeySpki, out _);
            return key.KeySize == 256 &&
                   key.VerifyData(CanonicalBytes.Of(capture), capture.Signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        }
        catch (CryptographicException)
        {
            return false;
        }
        catch (ArgumentException)
        {
            // A shape with no canonical bytes (a version 1 capture holding two photos) was signed by nobody.
            return false;
        }
    }
}
