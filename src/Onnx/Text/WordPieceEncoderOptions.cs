namespace Pipelines.Onnx.Text;

/// <summary>How <see cref="WordPieceEncoder"/> normalises and bounds each sentence.</summary>
public sealed record WordPieceEncoderOptions
{
    /// <summary>
    /// Tokens per row including <c>[CLS]</c> and <c>[SEP]</c> (at least 2); longer sentences keep their first
    /// <c>MaxLength − 2</c> WordPiece tokens between <c>[CLS]</c> and <c>[SEP]</c>. <see langword="null"/> never
    /// truncates (rows are as long as each sentence's encoding). Default 128.
    /// </summary>
    public int? MaxLength { get; init; } = 128;

    /// <summary>Lower-case (and strip accents) before tokenisation: true for uncased vocabularies such as all-MiniLM-L6-v2.</summary>
    public bool LowerCase { get; init; } = true;
}
