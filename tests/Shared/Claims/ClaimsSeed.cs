using System.Globalization;
using System.Text.Json;
using AgriInsure.Cloud.Host;
using AgriInsure.Crops;
using AgriInsure.Domain;
using AgriInsure.Imagery.Coverage;
using AgriInsure.Imagery.Rasters;
using AgriInsure.Protocol;
using AgriInsure.Registry;
using SkiaSharp;

namespace AgriInsure.Tests;

/// <summary>What one tenant's claims seed holds: two enrolled cows, a flagged duplicate enrolment of the first, a livestock
/// policy in force over both with a death claim of the first (identified, accepted), and a plot insured by a crop policy in
/// force with a hail claim assessed by map (half the plot damaged, accepted).</summary>
public sealed record ClaimsSeeded(string Cow, string OtherCow, string Case, string LivestockPolicy, string LivestockClaim, string Plot, string CropPolicy, string CropClaim);

/// <summary>Claims to look at, made through the cloud's own engines as its handhelds and staff would (captures through the
/// ingest, policies through the desks, a crop claim by map on generated rasters), for the claims API and page tests. The
/// rasters (<see cref="WriteRasters"/>) are GeoTIFFs in WGS84 degrees over 103.00–103.02° E, 30.00–30.01° N (cells of
/// 0.0001°): NDVI 0.8 everywhere acquired yesterday (<see cref="Before"/>), and acquired today (<see cref="After"/>) 0.8
/// west of 103.01° E and 0.1 east of it; the seeded plot straddles 103.01° E, so half of it is damaged.</summary>
internal static class ClaimsSeed
{
    public const string Before = "claims/ndvi_before.tif";
    public const string After = "claims/ndvi_after.tif";

    public static DateOnly Today => DateOnly.FromDateTime(DateTime.UtcNow);

    public static void WriteRasters(string rasters)
    {
        Directory.CreateDirectory(Path.Combine(rasters, "claims"));
        var grid = new Grid(103.0, 30.01, 0.0001, 0.0001, 200, 100);
        void Write(string name, DateOnly acquired, Func<int, float> value)
        {
            using var writer = GeoTiffWriter.Create(Path.Combine(rasters, name), grid, "EPSG:4326", 1, nodata: -9999);
            var values = new float[grid.Columns * grid.Rows];
            for (var i = 0; i < values.Length; i++)
                values[i] = value(i % grid.Columns);
            writer.Write(1, 0, values);
            writer.Describe(1, acquired.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) + "T03:12:00");
        }
        Write(Before, Today.AddDays(-1), _ => 0.8f);
        Write(After, Today, column => column < 100 ? 0.8f : 0.1f);
    }

    /// <summary>Seeds <paramref name="tenant"/> (its farmer F1, a handheld <c>hh-{tenant}</c>); <paramref name="hue"/> tints
    /// its photos so two tenants' pages look apart.</summary>
    public static async Task<ClaimsSeeded> SeedAsync(CloudEngines engines, string tenant, float hue = 30)
    {
        await engines.Registry.AddFarmerAsync(Farmer.Create(tenant, "F1", "王建国", "四川 雅安").Value);
        using var key = DeviceKey.Create();
        var device = $"hh-{tenant}";
        await engines.Registry.RegisterDeviceAsync(new DeviceRecord(tenant, device, "agent-1", key.PublicKey));
        var taken = 0;
        async Task<Ack> Capture(int cow)
        {
            var capture = key.Sign(new Capture
            {
                CaptureId = NUlid.Ulid.NewUlid().ToString(), Tenant = tenant, DeviceId = device, AgentId = "agent-1", Purpose = Protocol.CapturePurpose.Enrol,
                Species = "cattle", FarmerId = "F1", Gps = new GpsFix(30.005, 103.01, 5), TakenAt = DateTimeOffset.UtcNow.AddMinutes(-30 + taken), Model = new ModelRef("test-model", "1"),
                Photos = [new CapturePhoto { Embedding = Face(cow, 0), CropJpeg = Photo(cow, taken++, hue) }],
            });
            return (await engines.Ingest.HandleAsync(Topics.Captures(tenant, device), Codec.Encode(capture))).Ack!;
        }
        var cow = (await Capture(1)).AnimalId!;
        var other = (await Capture(2)).AnimalId!;
        var again = await Capture(1);
        if (again.Outcome != "duplicate-enrolment")
            throw new InvalidOperationException($"the second enrolment of cow 1 was {again.Outcome}, not flagged");

        var now = DateTimeOffset.UtcNow;
        var cover = Coverage.Create(Today, Today.AddDays(365)).Value;
        var policy = (await engines.Desk.IssuePolicyAsync(tenant, "F1", [cow, other], Money.Create(8000m, "CNY").Value, Money.Create(320m, "CNY").Value, cover)).Value;
        await TestContracts.InForceAsync(engines.Registry, engines.Ledger, tenant, policy.Id);
        // The dead cow photographed months later: another photo of its face, scored against its templates.
        var claimPhoto = await engines.Blobs.PutAsync(Photo(1, 99, hue), "image/jpeg");
        var model = (await engines.Registry.FindAnimalAsync(tenant, cow))!.ModelId;
        var claimCapture = new CaptureRecord(NUlid.Ulid.NewUlid().ToString(), tenant, device, "agent-1", Domain.CapturePurpose.Claim, Species.Cattle, null, null,
            new GeoPoint(103.01, 30.005), 5, now.AddMinutes(-5), "1", [new PhotoRecord(Embedding.Create(Face(1, 0.35f), model).Value, claimPhoto)], now);
        var death = await engines.Desk.ClaimDeathAsync(claimCapture);
        if (death.ClaimId is not { } livestockClaim)
            throw new InvalidOperationException($"the death claim was not decided: {death.Outcome} {death.Reason}");

        var outline = JsonDocument.Parse("""{"type":"Polygon","coordinates":[[[103.008,30.002],[103.012,30.002],[103.012,30.006],[103.008,30.006],[103.008,30.002]]]}""").RootElement;
        var plot = (await engines.Crops.RegisterPlotAsync(tenant, "F1", outline, 25, "agent-1")).Value.Plot.Id;
        var measured = await engines.Crops.MeasureAsync(tenant, plot, new AcreageRequest(Before, Min: 0.5), "underwriter-1");
        if (measured.Error is { } unmeasured)
            throw new InvalidOperationException($"the plot was not measured: {unmeasured}");
        var terms = CropTerms.Create("maize", Money.Create(1000m, "CNY").Value, Money.Create(30m, "CNY").Value, 0.1m, Coverage.Create(Today, Today.AddDays(120)).Value).Value;
        var issued = await engines.Crops.IssueAsync(tenant, new CropOrder(plot, null, terms), "underwriter-1");
        if (issued.Policy is not { } cropPolicy || issued.Outcome != CropOutcome.Issued)
            throw new InvalidOperationException($"the crop policy was not issued: {issued.Outcome} {issued.Refusal}");
        await TestContracts.InForceAsync(engines.Registry, engines.Ledger, tenant, cropPolicy.Id);
        var filed = await engines.CropClaims.FileAsync(tenant, HailClaim(cropPolicy.Id), "officer-1");
        if (filed.Error is { } unfiled || filed.Value.Claim.Outcome != "accepted")
            throw new InvalidOperationException($"the crop claim was not accepted: {filed.Error?.ToString() ?? filed.Value.Claim.Claim.Reason}");
        return new ClaimsSeeded(cow, other, again.CaptureId, policy.Id, livestockClaim, plot, cropPolicy.Id, filed.Value.Claim.Claim.Id);
    }

    /// <summary>A hail on the seeded crop policy today, assessed on the seeded rasters with the default NDVI drop.</summary>
    public static CropClaimRequest HailClaim(string policyId) =>
        new(policyId, "hail", Today, Today, new ClaimImage(Before), new ClaimImage(After));

    /// <summary>Cow <paramref name="cow"/>'s face embedding (32 values of a seeded generator), moved by <paramref name="noise"/>:
    /// the same cow's photos score high against each other, two cows' near 0.</summary>
    private static float[] Face(int cow, float noise)
    {
        var r = new Random(cow);
        var jitter = new Random(cow * 1000 + (int)(noise * 100));
        return [.. Enumerable.Range(0, 32).Select(_ => (float)(r.NextDouble() - 0.5) + noise * (float)(jitter.NextDouble() - 0.5))];
    }

    /// <summary>A 320 × 320 JPEG standing for cow <paramref name="cow"/>'s face crop: its coat colour and a pattern, with the
    /// photo's number drawn in so each photo's bytes differ (a photo is evidence once).</summary>
    private static byte[] Photo(int cow, int photo, float hue)
    {
        using var bitmap = new SKBitmap(320, 320);
        using (var canvas = new SKCanvas(bitmap))
        {
            canvas.Clear(SKColor.FromHsl(hue + cow * 90 % 360, 35, 70));
            using var coat = new SKPaint { Color = SKColor.FromHsl(hue + cow * 90 % 360, 40, 25), IsAntialias = true };
            canvas.DrawOval(new SKRect(60, 40, 260, 300), coat);
            using var muzzle = new SKPaint { Color = new SKColor(230, 200, 190), IsAntialias = true };
            canvas.DrawOval(new SKRect(110, 200, 210, 280), muzzle);
            using var eye = new SKPaint { Color = SKColors.Black, IsAntialias = true };
            canvas.DrawCircle(120 + cow * 3, 130, 14, eye);
            canvas.DrawCircle(200 - cow * 3, 130, 14, eye);
            using var mark = new SKPaint { Color = SKColors.White, IsAntialias = true };
            canvas.DrawCircle(160 + (photo % 7) * 4, 80, 10 + cow * 4, mark);
        }
        using var data = bitmap.Encode(SKEncodedImageFormat.Jpeg, 80);
        return data.ToArray();
    }
}
