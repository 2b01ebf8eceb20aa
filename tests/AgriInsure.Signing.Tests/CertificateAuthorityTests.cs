using System.Net;
using System.Net.Http.Headers;
using AgriInsure.Signing.Pki;
using AgriInsure.Tests;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;

namespace AgriInsure.Signing.Tests;

/// <summary>The CA's folder, certificate profiles, CRL, OCSP responder and TSA, checked with openssl where it can.</summary>
[Collection(SigningCollection.Name)]
public sealed class CertificateAuthorityTests(SigningFixture fixture)
{
    [Fact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public void The_CA_survives_a_restart_keeps_keys_private_and_is_never_created_twice()
    {
        var revoked = fixture.Ca.IssuePerson(new PersonSubject("孙磊", "四川省雅安市"));
        fixture.Ca.Revoke(revoked.Certificate.SerialNumber, RevocationReason.Superseded);
        var firstToken = TimeStampSerial(new TimeStampAuthority(fixture.Ca));

        var reopened = CertificateAuthority.Open(fixture.Ca.Folder);

        Assert.Equal(fixture.Ca.Root, reopened.Root);
        Assert.True(reopened.Issued(fixture.Farmer.Certificate.SerialNumber));
        Assert.Equal(fixture.Farmer.PrivateKey, reopened.Load(fixture.Farmer.Certificate.SerialNumber).PrivateKey);
        Assert.Equal(RevocationReason.Superseded, reopened.StatusOf(revoked.Certificate.SerialNumber).Reason);
        Assert.True(TimeStampSerial(new TimeStampAuthority(reopened)) > firstToken);
        Assert.Equal(fixture.Ca.Root, CertificateAuthority.ReadCertificate(Path.Combine(fixture.Ca.Folder, "root.crt")));
        var keys = Directory.GetFiles(fixture.Ca.Folder, "*.key", SearchOption.AllDirectories);
        Assert.True(keys.Length >= 3);
        Assert.All(keys, key => Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(key)));
        var refusal = Assert.Throws<SigningException>(() => CertificateAuthority.Create(fixture.Ca.Folder, fixture.Ca.Settings));
        Assert.Equal("folder", refusal.Field);
        Assert.Equal(fixture.Ca.Root, CertificateAuthority.Open(fixture.Ca.Folder).Root);
    }

    [Fact]
    public void Certificates_carry_the_profiles_RFC_5280_and_the_services_ask_for()
    {
        var root = fixture.Ca.Root;
        Assert.Equal(int.MaxValue, root.GetBasicConstraints());
        Assert.True(root.GetKeyUsage()[5] && root.GetKeyUsage()[6]);

        var farmer = fixture.Farmer.Certificate;
        Assert.Equal(-1, farmer.GetBasicConstraints());
        Assert.True(farmer.GetKeyUsage()[0] && farmer.GetKeyUsage()[1]);
        Assert.Contains(X509Extensions.KeyUsage.Id, farmer.GetCriticalExtensionOids());
        Assert.Equal("C=CN,ST=四川省雅安市名山区,CN=张卫国", farmer.SubjectDN.ToString());
        var aia = AuthorityInformationAccess.GetInstance(farmer.GetExtensionParsedValue(X509Extensions.AuthorityInfoAccess));
        Assert.Equal(new Uri(fixture.BaseUrl, "ocsp").AbsoluteUri, ((IAsn1String)aia.GetAccessDescriptions()[0].AccessLocation.Name).GetString());
        Assert.NotNull(farmer.GetExtensionValue(X509Extensions.CrlDistributionPoints));

        var tsa = fixture.Ca.TimeStampingCredential().Certificate;
        Assert.Equal([KeyPurposeID.id_kp_timeStamping.Id], tsa.GetExtendedKeyUsage().Select(o => o.Id));
        Assert.Contains(X509Extensions.ExtendedKeyUsage.Id, tsa.GetCriticalExtensionOids());
        var ocsp = fixture.Ca.OcspSigningCredential().Certificate;
        Assert.Equal([KeyPurposeID.id_kp_OCSPSigning.Id], ocsp.GetExtendedKeyUsage().Select(o => o.Id));
        Assert.NotNull(ocsp.GetExtensionValue(Org.BouncyCastle.Asn1.Ocsp.OcspObjectIdentifiers.PkixOcspNocheck));
        // Issued once and kept.
        Assert.Equal(tsa, fixture.Ca.TimeStampingCredential().Certificate);
    }

    [Fact]
    public void A_subject_with_an_identity_number_is_refused()
    {
        var refusal = Assert.Throws<SigningException>(() => fixture.Ca.IssuePerson(new PersonSubject("张卫国 51180219800101123X", "四川省")));
        Assert.Equal("subject.name", refusal.Field);
        Assert.Contains("identity number", refusal.Reason);
        Assert.Equal("subject.region", Assert.Throws<SigningException>(() => fixture.Ca.IssuePerson(new PersonSubject("张卫国", ""))).Field);
    }

    [Fact]
    public void Openssl_ocsp_gets_good_revoked_and_unknown_from_the_responder_over_HTTP()
    {
        var work = Directory.CreateDirectory(Path.Combine(fixture.Work, "ocsp-" + Guid.NewGuid().ToString("N"))).FullName;
        var good = fixture.Ca.IssuePerson(new PersonSubject("周梅", "四川省雅安市"));
        var revoked = fixture.Ca.IssuePerson(new PersonSubject("吴强", "四川省雅安市"));
        fixture.Ca.Revoke(revoked.Certificate.SerialNumber, RevocationReason.KeyCompromise);
        File.WriteAllText(Path.Combine(work, "good.pem"), CertificateAuthority.Pem("CERTIFICATE", good.Certificate.GetEncoded()));
        File.WriteAllText(Path.Combine(work, "revoked.pem"), CertificateAuthority.Pem("CERTIFICATE", revoked.Certificate.GetEncoded()));
        var url = new Uri(fixture.BaseUrl, "ocsp").AbsoluteUri;

        var (exit, output, error) = Tool.Run("openssl", "ocsp", "-issuer", fixture.RootPem, "-CAfile", fixture.RootPem, "-url", url,
            "-cert", Path.Combine(work, "good.pem"), "-cert", Path.Combine(work, "revoked.pem"), "-serial", "0x1234567890");

        Assert.True(exit == 0, output + error);
        Assert.Contains("Response verify OK", error);
        Assert.Contains("good.pem: good", output);
        Assert.Contains("revoked.pem: revoked", output);
        Assert.Contains("Reason: keyCompromise", output);
        Assert.Contains("0x1234567890: unknown", output);
        Assert.DoesNotContain("WARNING: no nonce", output + error);
    }

    [Fact]
    public async Task The_TSA_answers_openssl_queries_with_the_nonce_policy_accuracy_and_fresh_serials()
    {
        var work = Directory.CreateDirectory(Path.Combine(fixture.Work, "tsa-" + Guid.NewGuid().ToString("N"))).FullName;
        var data = Path.Combine(work, "data.txt");
        File.WriteAllText(data, "contract bytes");
        var serials = new List<string>();
        for (var i = 0; i < 2; i++)
        {
            var query = Path.Combine(work, $"q{i}.tsq");
            var reply = Path.Combine(work, $"r{i}.tsr");
            Assert.Equal(0, Tool.Run("openssl", "ts", "-query", "-data", data, "-sha256", "-cert", "-out", query).Exit);
            File.WriteAllBytes(reply, await Post("tsa", TimeStampAuthority.RequestMediaType, File.ReadAllBytes(query)));

            var verified = Tool.Run("openssl", "ts", "-verify", "-queryfile", query, "-in", reply, "-CAfile", fixture.RootPem);
            Assert.True(verified.Exit == 0, verified.Out + verified.Err);
            Assert.Contains("Verification: OK", verified.Out);
            var text = Tool.Run("openssl", "ts", "-reply", "-in", reply, "-text").Out;
            Assert.Contains("Status: Granted.", text);
            Assert.Contains("Policy OID: " + TimeStampAuthority.PolicyOid, text);
            Assert.Contains("Accuracy: 0x01 seconds", text);
            Assert.Matches(@"Nonce: 0x[0-9A-F]+", text);
            serials.Add(System.Text.RegularExpressions.Regex.Match(text, @"Serial number: (0x[0-9A-F]+)").Groups[1].Value);
        }
        Assert.NotEqual(serials[0], serials[1]);

        var sha1 = Path.Combine(work, "sha1.tsq");
        Assert.Equal(0, Tool.Run("openssl", "ts", "-query", "-data", data, "-sha1", "-out", sha1).Exit);
        File.WriteAllBytes(sha1 + ".tsr", await Post("tsa", TimeStampAuthority.RequestMediaType, File.ReadAllBytes(sha1)));
        var rejected = Tool.Run("openssl", "ts", "-reply", "-in", sha1 + ".tsr", "-text").Out;
        Assert.Contains("Status: Rejected.", rejected);
        Assert.Contains("unrecognized or unsupported algorithm identifier", rejected);
        Assert.Contains("Status: Rejected.", Tool.Run("openssl", "ts", "-reply", "-in", await Write(work, "junk.tsr", await Post("tsa", TimeStampAuthority.RequestMediaType, "junk"u8.ToArray())), "-text").Out);
    }

    [Fact]
    public async Task The_CRL_is_signed_by_the_root_lists_revocations_and_its_number_grows()
    {
        var work = Directory.CreateDirectory(Path.Combine(fixture.Work, "crl-" + Guid.NewGuid().ToString("N"))).FullName;
        var revoked = fixture.Ca.IssuePerson(new PersonSubject("郑华", "四川省雅安市"));
        fixture.Ca.Revoke(revoked.Certificate.SerialNumber, RevocationReason.CessationOfOperation);
        var numbers = new List<string>();
        for (var i = 0; i < 2; i++)
        {
            var crl = await Write(work, $"{i}.crl", await fixture.Http.GetByteArrayAsync(new Uri(fixture.BaseUrl, "crl")));
            var (exit, output, error) = Tool.Run("openssl", "crl", "-inform", "DER", "-in", crl, "-CAfile", fixture.RootPem, "-noout", "-text");
            Assert.True(exit == 0, error);
            Assert.Contains("verify OK", error);
            Assert.Contains(revoked.Certificate.SerialNumber.ToString(16).ToUpperInvariant(), output.ToUpperInvariant());
            Assert.Contains("Cessation Of Operation", output);
            Assert.Contains("Next Update:", output);
            numbers.Add(System.Text.RegularExpressions.Regex.Match(output, @"X509v3 CRL Number:\s*\n\s*(\d+)").Groups[1].Value);
        }
        Assert.True(int.Parse(numbers[1]) > int.Parse(numbers[0]));
    }

    [Fact]
    public async Task The_services_refuse_the_wrong_media_type()
    {
        using var content = new ByteArrayContent([1, 2, 3]);
        content.Headers.ContentType = new MediaTypeHeaderValue("text/plain");
        using var response = await fixture.Http.PostAsync(new Uri(fixture.BaseUrl, "ocsp"), content);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
    }

    private static long TimeStampSerial(TimeStampAuthority tsa) =>
        new Org.BouncyCastle.Tsp.TimeStampResponse(tsa.Respond(TimeStampAuthority.Request(new byte[32], out _))).TimeStampToken!.TimeStampInfo.SerialNumber.LongValue;

    private async Task<byte[]> Post(string path, string mediaType, byte[] body)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
        using var response = await fixture.Http.PostAsync(new Uri(fixture.BaseUrl, path), content);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadAsByteArrayAsync();
    }

    private static async Task<string> Write(string folder, string name, byte[] bytes)
    {
        var path = Path.Combine(folder, name);
        await File.WriteAllBytesAsync(path, bytes);
        return path;
    }
}
