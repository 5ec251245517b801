namespace Pipelines.Trainers.TextClassification;

/// <summary>How token states <c>[Batch, Sequence, Hidden]</c> become one sentence vector <c>[Batch, Hidden]</c>.</summary>
public enum PoolingMode
{
    /// <summary>Masked mean over real tokens, <c>Σ_t m_t h_t / max(Σ_t m_t, 1e-9)</c> (sentence-transformers' default).</summary>
    Mean,

    /// <summary>The state of the first token, <c>[CLS]</c>.</summary>
    Cls,
}
