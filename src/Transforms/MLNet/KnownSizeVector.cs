using Microsoft.ML;
using Pipelines.Onnx;

namespace Pipelines.Transforms.MLNet;

/// <summary>
/// Gives a variable-length float vector column its known size in a saved chain. A custom mapping's output sizes are
/// lost on <c>mlContext.Model.Load</c> (ML.NET rebuilds it from the contract name alone), while a trainer downstream
/// needs a known-size vector; <c>ApplyOnnxModel</c> over a one-node model (<c>Reshape</c> of the <c>(1, length)</c> row to <c>(size)</c>) declares
/// the size and is persisted with its bytes.
/// </summary>
internal static class KnownSizeVector
{
    /// <summary>
    /// Appends <paramref name="outputColumn"/> = <paramref name="inputColumn"/> reshaped to <c>(size)</c>: a 1-D output, so
    /// the column type is ML.NET's plain <c>Vector&lt;Single, size&gt;</c> (a <c>(1, size)</c> output would be the 2-D
    /// <c>Vector&lt;Single, 1, size&gt;</c>). The one-node model is written to <paramref name="files"/> (fit the chain with
    /// <see cref="OnnxModelFiles.FitAndReload"/>).
    /// </summary>
    public static IEstimator<ITransformer> AppendKnownSize(this IEstimator<ITransformer> chain, MLContext context, OnnxModelFiles files, string outputColumn, string inputColumn, int size)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(size);
        var b = new GraphBuilder("known_size_vector");
        b.Input(inputColumn, TensorElementType.Float, "batch", "length");
        string reshaped = b.Op("Reshape", inputColumn, b.Int64s("shape", size));
        b.Output(reshaped, outputColumn, TensorType.Of(TensorElementType.Float, size));
        byte[] bytes = OnnxModelIO.ToBytes(b.ToModel());
        return chain.Append(context.Transforms.ApplyOnnxModel([outputColumn], [inputColumn], files.Add(bytes)));
    }
}
