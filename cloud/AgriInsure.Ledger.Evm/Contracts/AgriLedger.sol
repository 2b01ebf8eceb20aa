// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.37;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";

/// @title The ledger the insurers of a region share: one ordered log of anchored records (each key once, whoever
///        anchors it), policies anchored, claim keys registered once, the herd's life, and each insurer's log checkpoints.
/// @notice Only hashes and opaque ids are written here, never personal data. The consortium's owner admits and removes
///         insurer accounts; only admitted insurers write. Every write emits an event, so the chain's log is the
///         record a reconciliation reads.
/// @dev Keys are derived off chain, once, by the rules documented in AgriInsure.Domain (Digest, ClaimKey: SHA-256 over a
///      kind tag and the subject's opaque ids, each part prefixed by its length and ':'), and only compared here. An
///      animal's death-claim key is SHA-256("livestock-death", species, ear tag upper-cased without - _ . separators) when
///      it has an ear tag, the same at every insurer, so its death is paid once across insurers; without one it is
///      SHA-256("livestock", policy, animal), one claim per policy. Claim keys registered with registerClaim and keys
///      anchored with anchor share one key space, so a key taken by either path is refused on both.
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

    /// @notice One entry of the anchored log. insurer, index and time share one storage slot.
    struct Anchor {
        bytes32 kind;
        bytes32 payloadHash;
        address insurer;
        uint48 index;
        uint48 time;
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

    /// @notice The kind a claim key registered with registerClaim is anchored as ("claim", left-aligned ASCII).
    bytes32 public constant CLAIM_KIND = "claim";

    mapping(bytes32 key => Anchor) private _anchors;
    mapping(bytes32 policyId => Policy) private _policies;
    mapping(bytes32 claimKey => bytes32 policyId) private _claimPolicies;

    /// @notice How many records the anchored log holds; the next one gets this index.
    uint48 public size;

    /// @notice The hash chain over the anchored log: keccak256(abi.encode(previous head, key, kind, payload hash, index,
    ///         time, insurer)) after each entry, zero when empty. A reader who rebuilt the log from Anchored events checks
    ///         it against this, so a node that leaves an event out is caught.
    bytes32 public logHead;

    /// @notice The hash chain of an animal's life events: keccak256(previous head, kind, event hash, time).
    mapping(bytes32 animalId => bytes32) public lifeHead;

    /// @notice How many life events an animal has on record.
    mapping(bytes32 animalId => uint64) public lifeEvents;

    /// @notice Each insurer's latest published checkpoint of its embedded log.
    mapping(address insurer => Checkpoint) public lastCheckpoint;

    event InsurerAdmitted(address indexed insurer);
    event InsurerRemoved(address indexed insurer);
    event PolicyAnchored(bytes32 indexed policyId, address indexed insurer, bytes32 documentHash, uint64 coverStart, uint64 coverEnd, bytes32 indexed subjectKey);
    event Anchored(bytes32 indexed key, bytes32 indexed kind, bytes32 payloadHash, uint48 index, uint48 time, address indexed insurer);
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

    /// @notice Anchors a record: its kind (up to 32 ASCII characters, left-aligned), a key that may be anchored once,
    ///         whoever anchors it, and the hash of its payload. A second anchor of a key reverts with
    ///         "AgriLedger: key already anchored".
    function anchor(bytes32 key, bytes32 kind, bytes32 payloadHash) external onlyRole(INSURER) {
        _anchor(key, kind, payloadHash, "AgriLedger: key already anchored");
    }

    /// @notice Registers a claim key once, whoever registers it: a second registration (or a key anchored before by any
    ///         path) reverts with "AgriLedger: claim key already registered", so a loss is paid once across insurers.
    ///         policyId may be zero when the policy is not anchored on this chain.
    function registerClaim(bytes32 claimKey, bytes32 policyId, bytes32 evidenceHash) external onlyRole(INSURER) {
        _anchor(claimKey, CLAIM_KIND, evidenceHash, "AgriLedger: claim key already registered");
        _claimPolicies[claimKey] = policyId;
        emit ClaimRegistered(claimKey, msg.sender, policyId, evidenceHash);
    }

    function _anchor(bytes32 key, bytes32 kind, bytes32 payloadHash, string memory taken) private {
        require(key != bytes32(0) && kind != bytes32(0) && payloadHash != bytes32(0), "AgriLedger: empty key, kind or hash");
        require(_anchors[key].insurer == address(0), taken);
        uint48 index = size++;
        uint48 time = uint48(block.timestamp);
        _anchors[key] = Anchor(kind, payloadHash, msg.sender, index, time);
        logHead = keccak256(abi.encode(logHead, key, kind, payloadHash, index, time, msg.sender));
        emit Anchored(key, kind, payloadHash, index, time, msg.sender);
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
    ///         reverts (a log only grows), and so does one of the same size with another root (a log rewritten).
    function publishCheckpoint(uint64 treeSize, bytes32 root, uint64 time, bytes calldata signature) external onlyRole(INSURER) {
        Checkpoint storage last = lastCheckpoint[msg.sender];
        require(treeSize >= last.treeSize, "AgriLedger: checkpoint smaller than the last");
        require(treeSize > last.treeSize || root == last.root, "AgriLedger: checkpoint of the last size with another root");
        lastCheckpoint[msg.sender] = Checkpoint(treeSize, root, time);
        emit CheckpointPublished(msg.sender, treeSize, root, time, signature);
    }

    function policy(bytes32 policyId) external view returns (Policy memory) {
        return _policies[policyId];
    }

    /// @notice The anchored record under a key; insurer is zero when none is.
    function entry(bytes32 key) external view returns (Anchor memory) {
        return _anchors[key];
    }

    /// @notice A registered claim; insurer is zero when the key is not registered as a claim.
    function claim(bytes32 claimKey) external view returns (Claim memory) {
        Anchor storage a = _anchors[claimKey];
        if (a.kind != CLAIM_KIND) return Claim(address(0), bytes32(0), bytes32(0), 0);
        return Claim(a.insurer, _claimPolicies[claimKey], a.payloadHash, a.time);
    }
}
