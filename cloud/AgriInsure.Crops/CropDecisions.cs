using AgriInsure.Domain;

namespace AgriInsure.Crops;

/// <summary>How the crop rules decided. The wire names (<see cref="CropOutcomeNames.Name"/>) are stable;
/// compare outcomes, never reason texts.</summary>
public enum CropOutcome
{
    /// <summary>Issue: the policy and its cover months are anchored.</summary>
    Issued,

    /// <summary>Claim: anchored under its claim key; pays <see cref="Claim.Payout"/>.</summary>
    Accepted,

    /// <summary>Issue: the plot is insured in a month of the cover already.</summary>
    AlreadyInsured,

    /// <summary>Issue: the cover starts before the day of issue.</summary>
    Backdated,

    /// <summary>Issue: the measurement is not usable as it stands (taken in the future, too small to price).</summary>
    InvalidInput,

    /// <summary>The measurement or assessment is not <see cref="PlotQuality.Ok"/>; nothing is anchored,
    /// so a clearer image can be sent later.</summary>
    QualityNotOk,

    /// <summary>The measurement or assessment is of another plot than the plot or policy given.</summary>
    WrongPlot,

    /// <summary>Claim: the assessment names another policy than the one given.</summary>
    WrongPolicy,

    /// <summary>Claim: the policy is not on the ledger, or its terms differ from those anchored.</summary>
    PolicyNotAnchored,

    /// <summary>Claim: the policy's contract is not signed by both parties and anchored: the policy is not in force.</summary>
    NotInForce,

    /// <summary>Claim: the event window is not wholly within the cover.</summary>
    OutsideCover,

    /// <summary>Claim: the same claim with the same evidence was anchored before; it is not paid twice.</summary>
    AlreadyAnchored,

    /// <summary>Claim: the claim key (policy, plot, peril, event window) is anchored with other evidence.</summary>
    Duplicate,

    /// <summary>Claim: an accepted claim on the same policy and plot names a day of this event (another peril, or days that
    /// overlap): the loss those days show is paid once.</summary>
    OverlapsPaidClaim,

    /// <summary>Quote: every check of an issue passed; nothing was anchored or stored.</summary>
    Quoted,

    /// <summary>Issue: the plot's outline overlaps land insured by another plot's policy on a day of the cover.</summary>
    OverlapsInsuredPlot,
}

public static class CropOutcomeNames
{
    public static string Name(this CropOutcome outcome) => outcome switch
    {
        CropOutcome.Issued => "issued",
        CropOutcome.Accepted => "accepted",
        CropOutcome.AlreadyInsured => "already-insured",
        CropOutcome.Backdated => "backdated",
        CropOutcome.InvalidInput => "invalid-input",
        CropOutcome.QualityNotOk => "quality-not-ok",
        CropOutcome.WrongPlot => "wrong-plot",
        CropOutcome.WrongPolicy => "wrong-policy",
        CropOutcome.PolicyNotAnchored => "policy-not-anchored",
        CropOutcome.NotInForce => "not-in-force",
        CropOutcome.OutsideCover => "outside-cover",
        CropOutcome.AlreadyAnchored => "already-anchored",
        CropOutcome.Duplicate => "duplicate",
        CropOutcome.OverlapsPaidClaim => "overlaps-paid-claim",
        CropOutcome.Quoted => "quoted",
        CropOutcome.OverlapsInsuredPlot => "overlaps-insured-plot",
        _ => throw new ArgumentOutOfRangeException(nameof(outcome), outcome, "not a crop outcome"),
    };
}

/// <summary>The decision on issuing a crop policy: the policy and its ledger entry when
/// <see cref="CropOutcome.Issued"/>, the policy as it would be issued (no entry) when <see cref="CropOutcome.Quoted"/>,
/// else the refusal naming the field and the reason.</summary>
public sealed record CropIssueDecision(CropOutcome Outcome, CropPolicy? Policy, long? LedgerEntry, ValidationError? Refusal);

/// <summary>The decision on a crop claim. <see cref="Claim"/> is kept either way (refused claims carry
/// their reason); <see cref="LedgerEntry"/> is the claim's entry when accepted, or the entry that caused
/// the refusal (the earlier claim, or the policy whose anchored terms differ).</summary>
public sealed record CropClaimDecision(CropOutcome Outcome, Claim Claim, long? LedgerEntry, ValidationError? Refusal);
