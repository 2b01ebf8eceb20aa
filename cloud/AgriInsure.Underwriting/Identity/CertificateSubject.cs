using System.Formats.Asn1;
using System.Security.Cryptography.X509Certificates;
using AgriInsure.Domain;

namespace AgriInsure.Underwriting.Identity;

/// <summary>The subject of the signing certificate a checked farmer is issued (RFC 5280 §4.1.2.6): common name (CN) the
/// farmer's name, locality (L) their region, country (C) CN, organisation (O) the insurer's tenant id, and user id (UID,
/// RFC 4519) <c>tenant/farmerId</c>, which keeps two farmers of one name apart. Never the identity number: a certificate
/// is public to whoever verifies a contract.</summary>
public sealed record CertificateSubject(string CommonName, string Locality, string Country, string Organization, string UserId)
{
    /// <summary>RFC 5280 Appendix A upper bounds, in characters.</summary>
    public const int MaxCommonName = 64, MaxLocality = 128;

    /// <summary>The subject for <paramref name="farmer"/> after <paramref name="check"/>. Errors: <c>check.farmerId</c> (a
    /// check of another farmer), <c>check.outcome</c> (not passed: no certificate without a passed check),
    /// <c>farmer.name</c> (longer than <see cref="MaxCommonName"/>), <c>farmer.region</c> (longer than
    /// <see cref="MaxLocality"/>).</summary>
    public static Result<CertificateSubject> ForFarmer(Farmer farmer, IdentityCheck check)
    {
        if (check.FarmerId != farmer.Id)
            return new ValidationError("check.farmerId", $"the check is of farmer {check.FarmerId}, not {farmer.Id}");
        if (check.Outcome != IdentityCheckOutcome.Passed)
            return new ValidationError("check.outcome", $"is {check.Outcome.Name()}; a certificate is issued only after a passed identity check");
        if (farmer.Name.Length > MaxCommonName)
            return new ValidationError("farmer.name", $"is {farmer.Name.Length} characters; a certificate's common name holds at most {MaxCommonName} (RFC 5280 ub-common-name)");
        if (farmer.Region.Length > MaxLocality)
            return new ValidationError("farmer.region", $"is {farmer.Region.Length} characters; a certificate's locality holds at most {MaxLocality} (RFC 5280 ub-locality-name)");
        return Result<CertificateSubject>.Ok(new CertificateSubject(farmer.Name, farmer.Region, "CN", farmer.Tenant, $"{farmer.Tenant}/{farmer.Id}"));
    }

    /// <summary>The subject as an X.500 name, each attribute a UTF8String (RFC 5280 §4.1.2.6 prefers it; Chinese names
    /// need it) but the country, a PrintableString as X.520 requires.</summary>
    public X500DistinguishedName ToX500()
    {
        var builder = new X500DistinguishedNameBuilder();
        builder.AddCountryOrRegion(Country);
        builder.AddLocalityName(Locality);
        builder.AddOrganizationName(Organization);
        builder.AddCommonName(CommonName);
        builder.Add("0.9.2342.19200300.100.1.1", UserId, UniversalTagNumber.UTF8String);
        return builder.Build();
    }
}
