using AgriInsure.Protocol;
using AgriInsure.Storage;

namespace AgriInsure.Ingest.Tests;

/// <summary>Captures decided together (one lock, one registry transaction, one ledger commit) get the answers they would
/// get one at a time, each seeing the ones before it in the batch.</summary>
public class BatchIngestTests
{
    /// <summary>Enrolment of animal 1, a second photo of it, the first again (a redelivery), an old crop under a new id (a
    /// replay), a capture signed with another key, and animal 2.</summary>
    private static List<IngestMessage> Mixed(IngestFixture f)
    {
        var first = f.Signed(1);
        var replay = f.Key.Sign(IngestFixture.Unsigned(3) with { Photos = [new CapturePhoto { Embedding = IngestFixture.Face(3), CropJpeg = first.Photos[0].CropJpeg }] });
        using var stranger = DeviceKey.Create();
        return
        [
            new(IngestFixture.Topic, Codec.Encode(first)),
            new(IngestFixture.Topic, Codec.Encode(f.Signed(1))),
            new(IngestFixture.Topic, Codec.Encode(first)),
            new(IngestFixture.Topic, Codec.Encode(replay)),
            new(IngestFixture.Topic, Codec.Encode(stranger.Sign(IngestFixture.Unsigned(4)))),
            new(IngestFixture.Topic, Codec.Encode(f.Signed(2))),
        ];
    }

    [Fact]
    public async Task A_batch_gets_the_answers_of_one_at_a_time_each_capture_seeing_those_before_it()
    {
        await using var together = await IngestFixture.StartAsync();
        await using var alone = await IngestFixture.StartAsync();
        var messages = Mixed(together);
        // The other fixture's device has another key: the same captures, signed by it.
        var resigned = messages.Select(m => Codec.TryDecodeCapture(m.Payload.Span, m.Topic, out var c, out _) && SignatureCheck.IsValid(c!, together.Key.PublicKey)
            ? m with { Payload = Codec.Encode(alone.Key.Sign(c!)) } : m).ToList();

        var batch = await together.Ingest.HandleAsync(messages);
        var single = new List<IngestResult>();
        foreach (var m in resigned)
            single.Add(await alone.Ingest.HandleAsync(m.Topic, m.Payload));

        Assert.Equal(
            ["enrolled", "duplicate-enrolment", "enrolled", ProtocolError.Replay, null, "enrolled"],
            batch.Select(r => r.Ack?.Outcome));
        Assert.Equal(single.Select(r => r.Ack), batch.Select(r => r.Ack));
        Assert.Equal(single.Select(r => r.Refusal?.Code), batch.Select(r => r.Refusal?.Code));
        Assert.Equal(batch[0].Ack!.AnimalId, batch[1].Ack!.AnimalId);

        var counts = await together.Registry.CountsAsync(IngestFixture.Tenant);
        Assert.Equal((3, 2), (counts.Captures, counts.Animals));
        var ledger = await together.Ledger.VerifyAsync();
        Assert.True(ledger.IsIntact, ledger.Problem);
        Assert.Equal((await alone.Ledger.HeadAsync()).Size, ledger.Entries);
    }

    [Fact]
    public async Task A_batch_that_fails_keeps_nothing_and_its_captures_are_decided_afresh_when_sent_again()
    {
        await using var f = await IngestFixture.StartAsync();
        var messages = new List<IngestMessage> { new(IngestFixture.Topic, Codec.Encode(f.Signed(1))), new(IngestFixture.Topic, Codec.Encode(f.Signed(2))) };
        // The second capture's crop cannot be written (a file where its folder should be): the batch throws after the
        // first capture's crop is stored.
        var second = f.Blobs.FileOf(BlobKeys.Of(Codec.TryDecodeCapture(messages[1].Payload.Span, IngestFixture.Topic, out var c, out _) ? c!.Photos[0].CropJpeg : []));
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetDirectoryName(second)!)!);
        await File.WriteAllTextAsync(Path.GetDirectoryName(second)!, "not a folder");

        await Assert.ThrowsAsync<BlobStoreException>(() => f.Ingest.HandleAsync(messages));
        Assert.Equal((0, 0), ((await f.Registry.CountsAsync(IngestFixture.Tenant)).Captures, (await f.Registry.CountsAsync(IngestFixture.Tenant)).Animals));
        Assert.Equal(0, (await f.Ledger.HeadAsync()).Size);

        File.Delete(Path.GetDirectoryName(second)!);
        var again = await f.Ingest.HandleAsync(messages);
        // Nothing of the failed batch is left in the index either: animal 1 is enrolled, not flagged as a duplicate of itself.
        Assert.Equal(["enrolled", "enrolled"], again.Select(r => r.Ack!.Outcome));
        Assert.Equal(2, (await f.Ledger.HeadAsync()).Size);
    }
}
