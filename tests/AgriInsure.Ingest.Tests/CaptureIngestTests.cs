using System.Text;
using AgriInsure.Protocol;
using AgriInsure.Storage;

namespace AgriInsure.Ingest.Tests;

public class CaptureIngestTests
{
    [Fact]
    public async Task An_enrolment_is_stored_with_its_crop_and_acked()
    {
        await using var f = await IngestFixture.StartAsync();
        var capture = f.Signed(1);
        var result = await f.Ingest.HandleAsync(IngestFixture.Topic, Codec.Encode(capture));
        Assert.Equal(Topics.Acks(IngestFixture.Tenant, IngestFixture.Device), result.AckTopic);
        Assert.Equal(AckStatus.Accepted, result.Ack!.Status);
        Assert.Equal("enrolled", result.Ack.Outcome);
        var crop = Assert.Single((await f.Registry.FindCaptureAsync(capture.CaptureId))!.Capture.Photos).CropBlobKey;
        Assert.Equal(BlobKeys.Of(capture.Photos[0].CropJpeg), crop);
        Assert.Equal(capture.Photos[0].CropJpeg, await f.Blobs.GetAsync(crop));
        Assert.Equal(1, await f.CapturesStored());
    }

    [Fact]
    public async Task A_version_1_capture_from_an_older_handheld_is_verified_and_enrolled_as_one_photo()
    {
        await using var f = await IngestFixture.StartAsync();
        var v1 = f.Key.Sign(IngestFixture.Unsigned(1) with { V = 1 });
        var result = await f.Ingest.HandleAsync(IngestFixture.Topic, Codec.Encode(v1));
        Assert.Equal("enrolled", result.Ack!.Outcome);
        Assert.Single((await f.Registry.FindCaptureAsync(v1.CaptureId))!.Capture.Photos);
    }

    [Fact]
    public async Task A_three_photo_capture_stores_each_crop_and_enrols_three_templates()
    {
        await using var f = await IngestFixture.StartAsync();
        var capture = f.Key.Sign(IngestFixture.Unsigned(1, photos: 3));
        var result = await f.Ingest.HandleAsync(IngestFixture.Topic, Codec.Encode(capture));
        Assert.Equal("enrolled", result.Ack!.Outcome);
        var photos = (await f.Registry.FindCaptureAsync(capture.CaptureId))!.Capture.Photos;
        Assert.Equal(3, photos.Count);
        for (var i = 0; i < 3; i++)
            Assert.Equal(capture.Photos[i].CropJpeg, await f.Blobs.GetAsync(photos[i].CropBlobKey));
        Assert.Equal(3, (await f.Registry.FindAnimalAsync(IngestFixture.Tenant, result.Ack.AnimalId!))!.Templates.Count);
    }

    [Fact]
    public async Task Six_photos_are_rejected_with_the_field_named()
    {
        await using var f = await IngestFixture.StartAsync();
        var capture = f.Key.Sign(IngestFixture.Unsigned(1, photos: Limits.MaxPhotos + 1));
        var result = await f.Ingest.HandleAsync(IngestFixture.Topic, Codec.Encode(capture));
        Assert.Equal((AckStatus.Rejected, "photos"), (result.Ack!.Status, result.Refusal!.Field));
        Assert.Equal(0, await f.CapturesStored());
    }

    [Fact]
    public async Task A_duplicate_delivery_changes_nothing_and_gets_the_same_answer()
    {
        await using var f = await IngestFixture.StartAsync();
        var payload = Codec.Encode(f.Signed(1));
        var first = await f.Ingest.HandleAsync(IngestFixture.Topic, payload);
        var ledgerSize = (await f.Ledger.HeadAsync()).Size;
        var again = await f.Ingest.HandleAsync(IngestFixture.Topic, payload);
        Assert.Equal(first.Ack, again.Ack);
        Assert.Equal(1, await f.CapturesStored());
        Assert.Equal(1, (await f.Registry.CountsAsync(IngestFixture.Tenant)).Animals);
        Assert.Equal(ledgerSize, (await f.Ledger.HeadAsync()).Size);
    }

    [Fact]
    public async Task A_capture_id_already_taken_by_another_tenants_device_is_rejected_without_showing_its_decision()
    {
        await using var f = await IngestFixture.StartAsync();
        var first = f.Signed(1);
        var enrolled = await f.Ingest.HandleAsync(IngestFixture.Topic, Codec.Encode(first));
        using var otherKey = DeviceKey.Create();
        await f.Registry.RegisterDeviceAsync(new Registry.DeviceRecord("t2", "hh-9", "agent-9", otherKey.PublicKey));
        var reused = IngestFixture.Unsigned(2) with { CaptureId = first.CaptureId, Tenant = "t2", DeviceId = "hh-9", AgentId = "agent-9" };
        var result = await f.Ingest.HandleAsync(Topics.Captures("t2", "hh-9"), Codec.Encode(otherKey.Sign(reused)));
        Assert.Equal((AckStatus.Rejected, ProtocolError.CaptureIdTaken, Topics.Acks("t2", "hh-9")), (result.Ack!.Status, result.Ack.Outcome, result.AckTopic));
        Assert.Null(result.Ack.AnimalId);
        Assert.DoesNotContain(enrolled.Ack!.AnimalId!, result.Ack.Reason);
        Assert.Equal(1, await f.CapturesStored());
        Assert.Equal(IngestFixture.Tenant, (await f.Registry.FindCaptureAsync(first.CaptureId))!.Capture.Tenant);
    }

    [Fact]
    public async Task An_old_photo_sent_again_under_a_new_capture_id_is_refused_and_nothing_is_stored()
    {
        await using var f = await IngestFixture.StartAsync();
        var enrolled = f.Signed(1);
        Assert.Equal("enrolled", (await f.Ingest.HandleAsync(IngestFixture.Topic, Codec.Encode(enrolled))).Ack!.Outcome);
        // The enrolment photo replayed as a death claim, and as a second photo beside a new one.
        var claim = IngestFixture.Unsigned(1, CapturePurpose.Claim) with { Photos = [enrolled.Photos[0]] };
        var mixed = IngestFixture.Unsigned(1, photos: 2);
        mixed = mixed with { Photos = [mixed.Photos[0], enrolled.Photos[0]] };
        var twice = IngestFixture.Unsigned(2, photos: 2);
        twice = twice with { Photos = [twice.Photos[0], twice.Photos[0]] };
        foreach (var replay in new[] { claim, mixed, twice })
        {
            var result = await f.Ingest.HandleAsync(IngestFixture.Topic, Codec.Encode(f.Key.Sign(replay)));
            Assert.Equal((AckStatus.Rejected, ProtocolError.Replay, "photos"), (result.Ack!.Status, result.Ack.Outcome, result.Refusal!.Field));
        }
        Assert.Equal(1, await f.CapturesStored());
        Assert.Contains(enrolled.CaptureId, (await f.Ingest.HandleAsync(IngestFixture.Topic, Codec.Encode(f.Key.Sign(claim)))).Ack!.Reason);
    }

    [Fact]
    public async Task Concurrent_deliveries_of_one_capture_are_stored_once()
    {
        await using var f = await IngestFixture.StartAsync();
        var payload = Codec.Encode(f.Signed(1));
        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => f.Ingest.HandleAsync(IngestFixture.Topic, payload)));
        Assert.All(results, r => Assert.Equal("enrolled", r.Ack!.Outcome));
        Assert.Equal(1, await f.CapturesStored());
    }

    [Fact]
    public async Task A_forged_signature_is_refused_unanswered_and_leaves_no_record()
    {
        await using var f = await IngestFixture.StartAsync();
        var genuine = f.Signed(1);
        var forged = genuine with { Photos = [genuine.Photos[0] with { Embedding = IngestFixture.Face(2) }] };
        var result = await f.Ingest.HandleAsync(IngestFixture.Topic, Codec.Encode(forged));
        Assert.Null(result.Ack);
        Assert.Equal(ProtocolError.BadSignature, result.Refusal!.Code);
        Assert.Equal(0, await f.CapturesStored());
        Assert.Null(await f.Blobs.GetAsync(BlobKeys.Of(forged.Photos[0].CropJpeg)));

        using var stranger = DeviceKey.Create();
        var other = await f.Ingest.HandleAsync(IngestFixture.Topic, Codec.Encode(stranger.Sign(IngestFixture.Unsigned(1))));
        Assert.Equal(ProtocolError.BadSignature, other.Refusal!.Code);
        var unsigned = await f.Ingest.HandleAsync(IngestFixture.Topic, Codec.Encode(IngestFixture.Unsigned(1)));
        Assert.Equal(ProtocolError.BadSignature, unsigned.Refusal!.Code);
        Assert.Equal(0, await f.CapturesStored());
    }

    [Fact]
    public async Task An_unprovisioned_device_is_refused()
    {
        await using var f = await IngestFixture.StartAsync();
        var capture = f.Key.Sign(IngestFixture.Unsigned(1) with { DeviceId = "hh-9" });
        var result = await f.Ingest.HandleAsync(Topics.Captures(IngestFixture.Tenant, "hh-9"), Codec.Encode(capture));
        Assert.Equal(ProtocolError.UnknownDevice, result.Refusal!.Code);
        Assert.Null(result.Ack);
    }

    [Fact]
    public async Task An_unknown_species_from_a_real_device_is_rejected_with_the_field_named()
    {
        await using var f = await IngestFixture.StartAsync();
        var capture = f.Signed(1, species: "unicorn");
        var result = await f.Ingest.HandleAsync(IngestFixture.Topic, Codec.Encode(capture));
        Assert.Equal(AckStatus.Rejected, result.Ack!.Status);
        Assert.StartsWith("species:", result.Ack.Reason);
        Assert.Equal(0, await f.CapturesStored());
    }

    [Theory]
    [InlineData("{\"v\":1,")]
    [InlineData("{\"v\":9}")]
    [InlineData("null")]
    [InlineData("")]
    public async Task Malformed_payloads_leave_no_record(string payload)
    {
        await using var f = await IngestFixture.StartAsync();
        var result = await f.Ingest.HandleAsync(IngestFixture.Topic, Encoding.UTF8.GetBytes(payload));
        Assert.NotNull(result.Refusal);
        Assert.Null(result.Ack);
        Assert.Equal(0, await f.CapturesStored());
    }

    [Fact]
    public async Task Oversize_payloads_are_refused_unread()
    {
        await using var f = await IngestFixture.StartAsync();
        var result = await f.Ingest.HandleAsync(IngestFixture.Topic, new byte[Limits.MaxPayloadBytes + 1]);
        Assert.Equal(ProtocolError.Oversize, result.Refusal!.Code);
    }

    [Fact]
    public async Task A_claim_is_decided_and_its_duplicate_refused()
    {
        await using var f = await IngestFixture.StartAsync();
        var enrol = await f.Ingest.HandleAsync(IngestFixture.Topic, Codec.Encode(f.Signed(1)));
        var animal = enrol.Ack!.AnimalId!;
        var desk = new Livestock.LivestockDesk(f.Registry, f.Ledger, new Livestock.LivestockOptions(0.8f), Microsoft.Extensions.Logging.Abstractions.NullLogger<Livestock.LivestockDesk>.Instance, f.Clock);
        var policy = await desk.IssuePolicyAsync(IngestFixture.Tenant, "F1", [animal], Domain.Money.Create(5000m, "CNY").Value, Domain.Money.Create(200m, "CNY").Value,
            Domain.Coverage.Create(new DateOnly(2026, 5, 1), new DateOnly(2027, 4, 30)).Value);
        Assert.True(policy.IsOk);
        await AgriInsure.Tests.TestContracts.InForceAsync(f.Registry, f.Ledger, IngestFixture.Tenant, policy.Value.Id);

        var claimCapture = f.Signed(1, CapturePurpose.Claim);
        var claim = await f.Ingest.HandleAsync(IngestFixture.Topic, Codec.Encode(claimCapture));
        Assert.Equal(("claim-accepted", AckStatus.Accepted), (claim.Ack!.Outcome, claim.Ack.Status));
        // The claim names no farmer: identified among every insured cow (one here), and the scope is stored with the decision.
        var scope = Assert.Single((await f.Registry.FindCaptureAsync(claimCapture.CaptureId))!.Decision.Scopes);
        Assert.Equal((Domain.SearchScope.Insured, 1, 0.8f, animal), (scope.Scope, scope.Size, scope.Threshold, scope.Best!.AnimalId));
        var second = await f.Ingest.HandleAsync(IngestFixture.Topic, Codec.Encode(f.Signed(1, CapturePurpose.Claim)));
        Assert.Equal(("claim-refused-duplicate", AckStatus.Flagged), (second.Ack!.Outcome, second.Ack.Status));
        var stranger = await f.Ingest.HandleAsync(IngestFixture.Topic, Codec.Encode(f.Signed(7, CapturePurpose.Claim)));
        Assert.Equal("claim-refused-no-match", stranger.Ack!.Outcome);
    }
}
