using Org.BouncyCastle.Asn1.Cms;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Cms;
using Org.BouncyCastle.Tsp;

namespace AgriInsure.Signing.Pades;

/// <summary>CMS pieces shared by the signer and the verifier.</summary>
internal static class PadesCms
{
    /// <summary>The signature timestamp token (unsigned attribute id-aa-signatureTimeStampToken, RFC 3161 appendix A), if any.</summary>
    public static TimeStampToken? TimestampToken(SignerInformation signer)
    {
        var attribute = signer.UnsignedAttributes?[PkcsObjectIdentifiers.IdAASignatureTimeStampToken];
        if (attribute is null || attribute.AttrValues.Count == 0)
            return null;
        return new TimeStampToken(new CmsSignedData(Org.BouncyCastle.Asn1.Cms.ContentInfo.GetInstance(attribute.AttrValues[0])));
    }

    /// <summary>
    /// The length of the DER object at the start of <paramref name="bytes"/> (a /Contents string holds the CMS followed
    /// by zero padding); null when the header is not a definite DER length that fits.
    /// </summary>
    public static int? DerLength(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < 2 || bytes[0] != 0x30)
            return null;
        int first = bytes[1];
        if (first < 0x80)
            return 2 + first <= bytes.Length ? 2 + first : null;
        var count = first & 0x7F;
        if (count is 0 or > 4 || bytes.Length < 2 + count)
            return null;
        long length = 0;
        for (var i = 0; i < count; i++)
            length = (length << 8) | bytes[2 + i];
        var total = 2 + count + length;
        return total <= bytes.Length ? (int)total : null;
    }
}
