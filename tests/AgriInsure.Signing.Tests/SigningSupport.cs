using System.Diagnostics;
using AgriInsure.Tests;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using AgriInsure.Signing.Pades;
using AgriInsure.Signing.Pki;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace AgriInsure.Signing.Tests;

/// <summary>The system clock moved by <see cref="Offset"/> (a CA created in the past, a TSA running late).</summary>
internal sealed class ShiftedClock : TimeProvider
{
    public TimeSpan Offset { get; set; }

    public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + Offset;
}

/// <summary>
/// One CA for the whole test assembly's signing tests, created three years in the past (so that an expired certificate
/// can be issued inside its root's window), with its OCSP responder, TSA and CRL served over HTTP on 127.0.0.1 on a
/// free port; the people and organisations the tests sign as; and a contract signed by a farmer and countersigned by an
/// insurer with a seal. Everything is stopped and deleted at the end.
/// </summary>
public sealed class SigningFixture : IAsyncLifetime
{
    private readonly TempFolder _folder = new();
    private LoopbackTrustServices? _services;

    internal ShiftedClock Clock { get; } = new();

    internal CertificateAuthority Ca { get; private set; } = null!;

    internal SigningCredential Farmer { get; private set; } = null!;

    internal SigningCredential Insurer { get; private set; } = null!;

    internal PadesSigner Signer { get; private set; } = null!;

    internal PadesVerifier Verifier { get; private set; } = null!;

    internal HttpClient Http { get; } = new();

    internal Uri BaseUrl => _services!.BaseUrl;

    internal byte[] Unsigned { get; } = TestPdfs.Contract(pages: 2);

    internal byte[] FarmerSigned { get; private set; } = null!;

    internal byte[] BothSigned { get; private set; } = null!;

    internal byte[] Seal { get; } = SealPng();

    internal string RootPem { get; private set; } = null!;

    internal string Work => _folder.Path;

    public static readonly SignatureRectangle FarmerBox = new(60, 80, 220, 60);
    public static readonly SignatureRectangle InsurerBox = new(320, 80, 220, 60);

    public async Task InitializeAsync()
    {
        var port = FreePort();
        var baseUrl = new Uri($"http://127.0.0.1:{port}/");
        Clock.Offset = -TimeSpan.FromDays(3 * 365);
        Ca = CertificateAuthority.Create(_folder.File("ca"), new CaSettings("AgriInsure Test Root CA", "AgriInsure Tests", new Uri(baseUrl, "ocsp"), new Uri(baseUrl, "crl")), Clock);
        Clock.Offset = TimeSpan.Zero;
        _services = await TrustServices.StartLoopbackAsync(Ca, port);
        try
        {
            await SignContractAsync();
        }
        catch
        {
            // xUnit does not dispose a fixture whose set-up failed: stop the server here.
            await DisposeAsync();
            throw;
        }
    }

    private async Task SignContractAsync()
    {
        Farmer = Ca.IssuePerson(new PersonSubject("张卫国", "四川省雅安市名山区"));
        Insurer = Ca.IssueOrganisation(new OrganisationSubject("安农财产保险股份有限公司", "雅安中心支公司", "四川省"));
        Signer = new PadesSigner(new HttpTrustClient(Http, _services!.TsaUrl), Clock);
        Verifier = new PadesVerifier([Ca.Root]);
        RootPem = _folder.File("root.pem");
        File.WriteAllText(RootPem, CertificateAuthority.Pem("CERTIFICATE", Ca.Root.GetEncoded()));
        FarmerSigned = (await Signer.SignAsync(Unsigned, new SignatureRequest(Farmer, 2, FarmerBox, "张卫国") { Reason = "投保人签署 Policyholder signs" })).Bytes;
        BothSigned = (await Signer.SignAsync(FarmerSigned, new SignatureRequest(Insurer, 2, InsurerBox, "安农财产保险股份有限公司") { SealImage = Seal, Reason = "保险人盖章 Insurer countersigns" })).Bytes;
    }

    public async Task DisposeAsync()
    {
        if (_services is not null)
            await _services.DisposeAsync();
        Http.Dispose();
        _folder.Dispose();
    }

    internal static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    // A red ring around a red dot on transparency, as a seal looks from afar.
    private static byte[] SealPng()
    {
        using var image = new Image<Rgba32>(96, 96);
        for (var y = 0; y < 96; y++)
        {
            for (var x = 0; x < 96; x++)
            {
                var r = Math.Sqrt((x - 47.5) * (x - 47.5) + (y - 47.5) * (y - 47.5));
                image[x, y] = r is > 38 and < 46 or < 12 ? new Rgba32(200, 20, 20, 255) : new Rgba32(0, 0, 0, 0);
            }
        }
        using var output = new MemoryStream();
        image.SaveAsPng(output);
        return output.ToArray();
    }
}

[CollectionDefinition(Name)]
public sealed class SigningCollection : ICollectionFixture<SigningFixture>
{
    public const string Name = "signing";
}

/// <summary>Small PDFs written by hand: a classic cross-reference table, or an xref stream with objects in an object stream.</summary>
internal static class TestPdfs
{
    public static byte[] Contract(int pages)
    {
        var objects = new List<string>
        {
            "<< /Type /Catalog /Pages 2 0 R >>",
            "<< /Type /Pages /Kids [" + string.Join(" ", Enumerable.Range(0, pages).Select(i => $"{4 + 2 * i} 0 R")) + $"] /Count {pages} >>",
            "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        };
        for (var i = 0; i < pages; i++)
        {
            var text = $"BT /F1 18 Tf 60 760 Td (Livestock insurance contract, page {i + 1}) Tj ET";
            objects.Add($"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> /Contents {5 + 2 * i} 0 R >>");
            objects.Add($"<< /Length {text.Length} >>\nstream\n{text}\nendstream");
        }
        var output = new StringBuilder("%PDF-1.7\n%\u00e2\u00e3\u00cf\u00d3\n");
        var offsets = new List<int>();
        for (var i = 0; i < objects.Count; i++)
        {
            offsets.Add(Encoding.Latin1.GetByteCount(output.ToString()));
            output.Append($"{i + 1} 0 obj\n{objects[i]}\nendobj\n");
        }
        var xref = Encoding.Latin1.GetByteCount(output.ToString());
        output.Append($"xref\n0 {objects.Count + 1}\n0000000000 65535 f\r\n");
        foreach (var offset in offsets)
            output.Append(offset.ToString("D10", CultureInfo.InvariantCulture)).Append(" 00000 n\r\n");
        output.Append($"trailer\n<< /Size {objects.Count + 1} /Root 1 0 R /ID [<0123456789ABCDEF0123456789ABCDEF> <0123456789ABCDEF0123456789ABCDEF>] >>\nstartxref\n{xref}\n%%EOF\n");
        return Encoding.Latin1.GetBytes(output.ToString());
    }

    /// <summary>One page; catalog, pages and page inside a compressed object stream; an xref stream with a PNG predictor.</summary>
    public static byte[] WithXrefStream()
    {
        var text = "BT /F1 18 Tf 60 760 Td (Crop insurance contract) Tj ET";
        var inner = new[]
        {
            (1, "<< /Type /Catalog /Pages 2 0 R >>"),
            (2, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>"),
            (3, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>"),
        };
        var body = new StringBuilder();
        var header = new StringBuilder();
        foreach (var (number, value) in inner)
        {
            header.Append(CultureInfo.InvariantCulture, $"{number} {body.Length} ");
            body.Append(value).Append('\n');
        }
        var objStm = Deflate(Encoding.ASCII.GetBytes(header.ToString() + body));
        using var output = new MemoryStream();
        void Write(string s) => output.Write(Encoding.Latin1.GetBytes(s));
        Write("%PDF-1.7\n%\u00e2\u00e3\u00cf\u00d3\n");
        var offsets = new Dictionary<int, long>();
        offsets[4] = output.Position;
        Write("4 0 obj\n<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>\nendobj\n");
        offsets[5] = output.Position;
        Write($"5 0 obj\n<< /Length {text.Length} >>\nstream\n{text}\nendstream\nendobj\n");
        offsets[6] = output.Position;
        Write($"6 0 obj\n<< /Type /ObjStm /N 3 /First {header.Length} /Filter /FlateDecode /Length {objStm.Length} >>\nstream\n");
        output.Write(objStm);
        Write("\nendstream\nendobj\n");
        var xrefAt = output.Position;
        // Rows of W [1 4 2] for objects 0–7, each prefixed by PNG filter type 2 (Up) against the previous row.
        var rows = new List<byte[]>
        {
            Row(0, 0, 65535),
            Row(2, 6, 0), Row(2, 6, 1), Row(2, 6, 2),
            Row(1, offsets[4], 0), Row(1, offsets[5], 0), Row(1, offsets[6], 0), Row(1, xrefAt, 0),
        };
        var filtered = new List<byte>();
        var previous = new byte[7];
        foreach (var row in rows)
        {
            filtered.Add(2);
            filtered.AddRange(row.Select((b, i) => (byte)(b - previous[i])));
            previous = row;
        }
        var xref = Deflate(filtered.ToArray());
        Write($"7 0 obj\n<< /Type /XRef /Size 8 /W [1 4 2] /Root 1 0 R /Filter /FlateDecode /DecodeParms << /Columns 7 /Predictor 12 >> /Length {xref.Length} >>\nstream\n");
        output.Write(xref);
        Write($"\nendstream\nendobj\nstartxref\n{xrefAt}\n%%EOF\n");
        return output.ToArray();
    }

    private static byte[] Row(int type, long second, int third) =>
        [(byte)type, (byte)(second >> 24), (byte)(second >> 16), (byte)(second >> 8), (byte)second, (byte)(third >> 8), (byte)third];

    private static byte[] Deflate(byte[] data)
    {
        using var buffer = new MemoryStream();
        using (var zlib = new System.IO.Compression.ZLibStream(buffer, System.IO.Compression.CompressionLevel.Optimal, leaveOpen: true))
            zlib.Write(data);
        return buffer.ToArray();
    }
}

/// <summary>Runs a program we did not write (pdfsig, openssl, pdftoppm) and returns its exit code and output.</summary>
internal static class Tool
{
    public static (int Exit, string Out, string Err) Run(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{program} did not start");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(30_000))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {string.Join(" ", arguments)} ran over 30 s");
        }
        return (process.ExitCode, output.Result, error.Result);
    }
}
