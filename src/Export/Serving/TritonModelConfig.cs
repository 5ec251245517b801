using System.Globalization;
using System.Text;

namespace Pipelines.Export.Serving;

/// <summary>One input or output of a Triton model configuration.</summary>
/// <param name="Name">The ONNX value's name.</param>
/// <param name="DataType">Triton's data type, e.g. <c>TYPE_FP32</c>, <c>TYPE_INT64</c>.</param>
/// <param name="Dims">The dims without the batch dimension when the model is batched; -1 for a dynamic dimension.</param>
/// <param name="Reshape">
/// The shape the model sees when it differs from <paramref name="Dims"/>: a batched rank-1 tensor (shape [batch]) is
/// declared <c>dims: [ 1 ]</c> with <c>reshape { shape: [ ] }</c>, since Triton needs at least one dim.
/// </param>
public sealed record TritonTensor(string Name, string DataType, IReadOnlyList<long> Dims, IReadOnlyList<long>? Reshape = null);

/// <summary>
/// A Triton Inference Server model configuration for the ONNX Runtime backend (<c>platform: "onnxruntime_onnx"</c>),
/// as written to <c>config.pbtxt</c> (protobuf text format of <c>ModelConfig</c>).
/// </summary>
/// <param name="Name">The model's name (its folder).</param>
/// <param name="MaxBatchSize">The largest batch Triton forms; 0 when the model is not batched by Triton (dims are then full shapes).</param>
/// <param name="Inputs">The model's runtime inputs, in graph order.</param>
/// <param name="Outputs">The model's outputs, in graph order.</param>
/// <param name="DynamicBatching">Whether <c>dynamic_batching { }</c> is written.</param>
/// <param name="InstanceCount">Instances of the model.</param>
/// <param name="InstanceKind">Where they run.</param>
public sealed record TritonModelConfig(
    string Name, int MaxBatchSize, IReadOnlyList<TritonTensor> Inputs, IReadOnlyList<TritonTensor> Outputs, bool DynamicBatching, int InstanceCount, TritonInstanceKind InstanceKind)
{
    /// <summary>The backend platform written: ONNX Runtime.</summary>
    public const string Platform = "onnxruntime_onnx";

    /// <summary>The configuration as protobuf text (<c>config.pbtxt</c>).</summary>
    public string ToPbtxt()
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"name: \"{Name}\"\n");
        sb.Append(CultureInfo.InvariantCulture, $"platform: \"{Platform}\"\n");
        sb.Append(CultureInfo.InvariantCulture, $"max_batch_size: {MaxBatchSize}\n");
        Tensors(sb, "input", Inputs);
        Tensors(sb, "output", Outputs);
        if (DynamicBatching && MaxBatchSize > 0)
        {
            sb.Append("dynamic_batching { }\n");
        }

        string kind = InstanceKind == TritonInstanceKind.Gpu ? "KIND_GPU" : "KIND_CPU";
        sb.Append(CultureInfo.InvariantCulture, $"instance_group [\n  {{\n    count: {InstanceCount}\n    kind: {kind}\n  }}\n]\n");
        return sb.ToString();
    }

    private static void Tensors(StringBuilder sb, string field, IReadOnlyList<TritonTensor> tensors)
    {
        sb.Append(CultureInfo.InvariantCulture, $"{field} [\n");
        for (int i = 0; i < tensors.Count; i++)
        {
            TritonTensor t = tensors[i];
            sb.Append("  {\n");
            sb.Append(CultureInfo.InvariantCulture, $"    name: \"{Escape(t.Name)}\"\n");
            sb.Append(CultureInfo.InvariantCulture, $"    data_type: {t.DataType}\n");
            sb.Append(CultureInfo.InvariantCulture, $"    dims: [ {string.Join(", ", t.Dims.Select(d => d.ToString(CultureInfo.InvariantCulture)))} ]\n");
            if (t.Reshape is { } reshape)
            {
                sb.Append(CultureInfo.InvariantCulture, $"    reshape {{ shape: [ {string.Join(", ", reshape.Select(d => d.ToString(CultureInfo.InvariantCulture)))} ] }}\n");
            }

            sb.Append(i + 1 < tensors.Count ? "  },\n" : "  }\n");
        }

        sb.Append("]\n");
    }

    private static string Escape(string text) => text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal);
}
