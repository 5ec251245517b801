namespace Pipelines.Export.Serving;

/// <summary>What <see cref="TritonModelRepository.Write"/> wrote.</summary>
/// <param name="ModelDirectory">The model's folder, <c>&lt;repository&gt;/&lt;name&gt;</c>.</param>
/// <param name="ConfigPath">Its <c>config.pbtxt</c>.</param>
/// <param name="ModelPath">Its <c>&lt;version&gt;/model.onnx</c>.</param>
/// <param name="Config">The configuration written.</param>
public sealed record TritonModelFiles(string ModelDirectory, string ConfigPath, string ModelPath, TritonModelConfig Config);

/// <summary>
/// Writes an exported ONNX artifact as a Triton Inference Server model repository entry for the ONNX Runtime backend:
/// <c>&lt;repository&gt;/&lt;name&gt;/config.pbtxt</c> (inputs, outputs, data types and dims from the model's signature,
/// <c>max_batch_size</c>, <c>dynamic_batching</c>, <c>instance_group</c>) and
/// <c>&lt;repository&gt;/&lt;name&gt;/&lt;version&gt;/model.onnx</c> (with its external-data file, if any), so the
/// artifact serves with no conversion. Layout: <c>docs/formats/triton-repository.md</c>.
/// </summary>
public static class TritonModelRepository
{
    /// <summary>The configuration file's name.</summary>
    public const string ConfigFileName = "config.pbtxt";

    /// <summary>The model file's name inside the version folder (Triton's default for <c>onnxruntime_onnx</c>).</summary>
    public const string ModelFileName = "model.onnx";

    /// <summary>
    /// The configuration of <paramref name="model"/>: runtime inputs (not initializers) and outputs in graph order. The
    /// model is batched (<c>max_batch_size</c> = <see cref="TritonOptions.MaxBatchSize"/>, first dim stripped) only when
    /// every input and output has rank ≥ 1 and a dynamic (symbolic or unknown) first dimension; otherwise
    /// <c>max_batch_size</c> is 0 and dims are the full shapes. Dynamic dims are written -1.
    /// </summary>
    /// <exception cref="OnnxFormatException">A value has no recorded shape or an element type Triton has no type for (the value is named).</exception>
    public static TritonModelConfig Describe(OnnxModel model, TritonOptions options)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        ValueInfo[] inputs = [.. model.Graph.RuntimeInputs()];
        ValueInfo[] outputs = [.. model.Graph.Outputs];
        foreach (ValueInfo v in inputs.Concat(outputs))
        {
            if (v.Type?.Shape is null)
            {
                throw new OnnxFormatException($"Triton config: value '{v.Name}' has no recorded shape; Triton needs the rank of every input and output.");
            }
        }

        bool batched = options.MaxBatchSize > 0 && inputs.Concat(outputs).All(v => v.Type!.Shape!.Count > 0 && !v.Type.Shape[0].IsFixed);
        return new TritonModelConfig(
            options.ModelName,
            batched ? options.MaxBatchSize : 0,
            [.. inputs.Select(v => Tensor(v, batched))],
            [.. outputs.Select(v => Tensor(v, batched))],
            options.DynamicBatching && batched,
            options.InstanceCount,
            options.InstanceKind);
    }

    /// <summary>Triton's name of an ONNX element type (<c>TYPE_FP32</c>, <c>TYPE_INT64</c>, …).</summary>
    /// <exception cref="NotSupportedException">The type has no Triton counterpart (4-bit, undefined).</exception>
    public static string DataType(TensorElementType type) => type switch
    {
        TensorElementType.Float => "TYPE_FP32",
        TensorElementType.Float16 => "TYPE_FP16",
        TensorElementType.BFloat16 => "TYPE_BF16",
        TensorElementType.Double => "TYPE_FP64",
        TensorElementType.Int8 => "TYPE_INT8",
        TensorElementType.Int16 => "TYPE_INT16",
        TensorElementType.Int32 => "TYPE_INT32",
        TensorElementType.Int64 => "TYPE_INT64",
        TensorElementType.UInt8 => "TYPE_UINT8",
        TensorElementType.UInt16 => "TYPE_UINT16",
        TensorElementType.UInt32 => "TYPE_UINT32",
        TensorElementType.UInt64 => "TYPE_UINT64",
        TensorElementType.Bool => "TYPE_BOOL",
        TensorElementType.String => "TYPE_STRING",
        _ => throw new NotSupportedException($"ONNX element type {type} has no Triton data type."),
    };

    /// <summary>
    /// Writes <paramref name="modelPath"/> (an ONNX file, with its <c>.data</c> external-data file when present) into
    /// <c>&lt;repository&gt;/&lt;name&gt;/</c> as a set: the folder is staged beside its final place and swapped in
    /// whole, so a reader (or a Triton server polling the repository) sees the old model or the new one, never a mix.
    /// </summary>
    /// <param name="repository">The model repository folder (created if missing; other models in it are left alone).</param>
    /// <param name="modelPath">The exported ONNX artifact.</param>
    /// <param name="options">Name, batching and instances.</param>
    /// <returns>The paths written and the configuration.</returns>
    public static TritonModelFiles Write(string repository, string modelPath, TritonOptions options)
    {
        ArgumentException.ThrowIfNullOrEmpty(repository);
        ArgumentException.ThrowIfNullOrEmpty(modelPath);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        OnnxModel model = OnnxModelIO.Load(modelPath);
        TritonModelConfig config = Describe(model, options);
        string modelDirectory = Path.Combine(Path.GetFullPath(repository), options.ModelName);
        string version = options.Version.ToString(System.Globalization.CultureInfo.InvariantCulture);
        Directory.CreateDirectory(Path.GetFullPath(repository));
        StagedFolder.CleanStale(modelDirectory);
        using (StagedFolder staged = StagedFolder.Create(modelDirectory))
        {
            string versionDirectory = Path.Combine(staged.Directory, version);
            Directory.CreateDirectory(versionDirectory);
            string externalData = modelPath + ".data";
            if (File.Exists(externalData))
            {
                // The initializers name their data file by the source name; saving through the IR writes the weights inline under model.onnx.
                OnnxModelIO.Save(model, Path.Combine(versionDirectory, ModelFileName));
            }
            else
            {
                File.Copy(modelPath, Path.Combine(versionDirectory, ModelFileName));
            }

            File.WriteAllText(Path.Combine(staged.Directory, ConfigFileName), config.ToPbtxt());
            staged.Commit();
        }

        return new TritonModelFiles(modelDirectory, Path.Combine(modelDirectory, ConfigFileName), Path.Combine(modelDirectory, version, ModelFileName), config);
    }

    private static TritonTensor Tensor(ValueInfo value, bool batched)
    {
        IReadOnlyList<Dim> shape = value.Type!.Shape!;
        string type;
        try
        {
            type = DataType(value.Type.ElementType);
        }
        catch (NotSupportedException e)
        {
            throw new OnnxFormatException($"Triton config: value '{value.Name}': {e.Message}", e);
        }

        long[] dims = [.. shape.Skip(batched ? 1 : 0).Select(d => d.Value ?? -1)];
        return batched && dims.Length == 0
            ? new TritonTensor(value.Name, type, [1], [])
            : new TritonTensor(value.Name, type, dims);
    }
}
