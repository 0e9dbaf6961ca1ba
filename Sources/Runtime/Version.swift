/// The version `sft --version` prints and checkpoints record.
public enum SFTVersion {
    public static let string = "0.1.0"
}
