using Pipelines.Export.Report;
using Pipelines.Onnx;
using Pipelines.Onnx.Runtime;
using Pipelines.Onnx.Text;

/// <summary>
/// The sentence embeddings every cosine in these tables compares: MiniLM's <c>last_hidden_state</c>, mean-pooled over
/// the attention mask, from one session of the model at one intra-op thread with all graph optimisations.
/// </summary>
internal static class PooledEmbeddings
{
    /// <summary>The session settings of every per-weight table: all optimisations, one thread.</summary>
    public static readonly SessionSettings OneThread = new() { Optimization = GraphOptimization.All, IntraOpThreads = 1, InterOpThreads = 1 };

    /// <summary>The pooled embedding of every sentence of <paramref name="evaluation"/>, in order.</summary>
    public static List<float[]> Of(OnnxModel model, IReadOnlyList<TensorBatch> evaluation)
    {
        using OnnxSession session = OrtSessions.Create(model, OneThread);
        var result = new List<float[]>();
        foreach (TensorBatch b in evaluation)
        {
            (float[] data, long[] shape) = session.RunFloat(b, ["last_hidden_state"])["last_hidden_state"];
            result.AddRange(EmbeddingMath.Pool(data, shape, BertInputs.AttentionMaskOf(b)));
        }

        return result;
    }
}
