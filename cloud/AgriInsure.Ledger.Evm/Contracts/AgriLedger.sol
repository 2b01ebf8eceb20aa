// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.37;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";

/// @title The ledger the insurers of a region share: policies anchored, claim keys registered once, the herd's life,
///        and each insurer's log checkpoints.
/// @notice Only hashes and opaque ids are written here, never personal data. The consortium's owner admits and removes
///         insurer accounts; only admitted insurers write. Every write emits an event, so the chain's log is the
///         record a reconciliation reads.
/// @dev Claim keys are derived off chain, once, by the rule documented in AgriInsure.Domain's ClaimKey
///      (SHA-256 over a kind tag and the subject's opaque ids), and only compared here.
contract AgriLedger is AccessControl {
    /// @notice The role of an insurer account admitted by the consortium's owner.
    bytes32 public constant INSURER = keccak256("AGRI_INSURER");

    /// @notice What happened in an animal's life, in the order the wire and the C# side number them.
    enum LifeEvent {
        Enrolment,
        EarTag,
        Vaccination,
        Movement,
        Sale,
        CensusSeen,
        CensusNotSeen,
        Death
    }

    struct Policy {
        address insurer;
        bytes32 documentHash;
        uint64 coverStart;
        uint64 coverEnd;
        bytes32 subjectKey;
    }

    struct Claim {
        address insurer;
        bytes32 policyId;
        bytes32 evidenceHash;
        uint64 registeredAt;
    }

    struct Checkpoint {
        uint64 treeSize;
        bytes32 root;
        uint64 time;
    }

    mapping(bytes32 policyId => Policy) private _policies;
    mapping(bytes32 claimKey => Claim) private _claims;

    /// @notice The hash chain of an animal's life events: keccak256(previous head, kind, event hash, time).
    mapping(bytes32 animalId => bytes32) public lifeHead;

    /// @notice How many life events an animal has on record.
    mapping(bytes32 animalId => uint64) public lifeEvents;

    /// @notice Each insurer's latest published checkpoint of its embedded log.
    mapping(address insurer => Checkpoint) public lastCheckpoint;

    event InsurerAdmitted(address indexed insurer);
    event InsurerRemoved(address indexed insurer);
    event PolicyAnchored(bytes32 indexed policyId, address indexed insurer, bytes32 documentHash, uint64 coverStart, uint64 coverEnd, bytes32 indexed subjectKey);
    event ClaimRegistered(bytes32 indexed claimKey, address indexed insurer, bytes32 indexed policyId, bytes32 evidenceHash);
    event LifeEventRecorded(bytes32 indexed animalId, LifeEvent kind, bytes32 eventHash, uint64 happenedAt, uint64 index, address indexed insurer);
    event CheckpointPublished(address indexed insurer, uint64 treeSize, bytes32 root, uint64 time, bytes signature);

    /// @param owner The consortium's owner: admits and removes insurers.
    constructor(address owner) {
        _grantRole(DEFAULT_ADMIN_ROLE, owner);
    }

    function admitInsurer(address insurer) external onlyRole(DEFAULT_ADMIN_ROLE) {
        require(insurer != address(0), "AgriLedger: no insurer account");
        if (_grantRole(INSURER, insurer)) emit InsurerAdmitted(insurer);
    }

    function removeInsurer(address insurer) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (_revokeRole(INSURER, insurer)) emit InsurerRemoved(insurer);
    }

    /// @notice Anchors a policy: the hash of its signed contract document, its cover window (Unix days) and the key of
    ///         what it insures. Reverts when the id is anchored already.
    function anchorPolicy(bytes32 policyId, bytes32 documentHash, uint64 coverStart, uint64 coverEnd, bytes32 subjectKey)
        external
        onlyRole(INSURER)
    {
        require(policyId != bytes32(0) && documentHash != bytes32(0) && subjectKey != bytes32(0), "AgriLedger: empty id or hash");
        require(coverStart <= coverEnd, "AgriLedger: cover ends before it starts");
        require(_policies[policyId].insurer == address(0), "AgriLedger: policy already anchored");
        _policies[policyId] = Policy(msg.sender, documentHash, coverStart, coverEnd, subjectKey);
        emit PolicyAnchored(policyId, msg.sender, documentHash, coverStart, coverEnd, subjectKey);
    }

    /// @notice Registers a claim key once, whoever registers it: a second registration reverts with
    ///         "AgriLedger: claim key already registered", so a loss is paid once across insurers.
    function registerClaim(bytes32 claimKey, bytes32 policyId, bytes32 evidenceHash) external onlyRole(INSURER) {
        require(claimKey != bytes32(0) && evidenceHash != bytes32(0), "AgriLedger: empty key or hash");
        require(_claims[claimKey].insurer == address(0), "AgriLedger: claim key already registered");
        _claims[claimKey] = Claim(msg.sender, policyId, evidenceHash, uint64(block.timestamp));
        emit ClaimRegistered(claimKey, msg.sender, policyId, evidenceHash);
    }

    /// @notice Records one event of an animal's life as a hash, chained to the animal's events before it.
    function recordLifeEvent(bytes32 animalId, LifeEvent kind, bytes32 eventHash, uint64 happenedAt) external onlyRole(INSURER) {
        require(animalId != bytes32(0) && eventHash != bytes32(0), "AgriLedger: empty id or hash");
        bytes32 head = keccak256(abi.encode(lifeHead[animalId], kind, eventHash, happenedAt));
        lifeHead[animalId] = head;
        uint64 index = lifeEvents[animalId]++;
        emit LifeEventRecorded(animalId, kind, eventHash, happenedAt, index, msg.sender);
    }

    /// @notice Publishes a signed checkpoint of the insurer's embedded log. A checkpoint smaller than the insurer's last
    ///         reverts: a log only grows.
    function publishCheckpoint(uint64 treeSize, bytes32 root, uint64 time, bytes calldata signature) external onlyRole(INSURER) {
        require(treeSize >= lastCheckpoint[msg.sender].treeSize, "AgriLedger: checkpoint smaller than the last");
        lastCheckpoint[msg.sender] = Checkpoint(treeSize, root, time);
        emit CheckpointPublished(msg.sender, treeSize, root, time, signature);
    }

    function policy(bytes32 policyId) external view returns (Policy memory) {
        return _policies[policyId];
    }

    function claim(bytes32 claimKey) external view returns (Claim memory) {
        return _claims[claimKey];
    }
}
