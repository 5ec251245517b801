using System.CommandLine;
using Pipelines.Cli.Infrastructure;
using Pipelines.Cli.Plots;
using Pipelines.Export;
using Pipelines.Export.Calibration;
using Pipelines.Export.Evaluation;
using Pipelines.Export.QPissa;
using Pipelines.Export.Quantization;
using Pipelines.Export.Report;
using Pipelines.Export.Serving;
using Pipelines.Onnx;
using Pipelines.Onnx.Runtime;
using Pipelines.Transforms.LowRank;
using Spectre.Console;

namespace Pipelines.Cli.Commands;

/// <summary>
/// <c>pipelines export --model &lt;onnx|dir&gt; --quantize &lt;none|fp16|int8-dynamic|int8-qdq|int4|int4-qdq&gt; --out &lt;onnx&gt;</c>:
/// merges adapters, quantizes, writes the artifact atomically, loads it back with ORT and ML.NET and reports size, latency and fidelity.
/// </summary>
internal static class ExportCommand
{
    /// <summary>JSON of <c>--report-dir</c>'s export-report.json (NaN latencies of unmeasured batches written as "NaN").</summary>
    private static readonly System.Text.Json.JsonSerializerOptions s_reportJson = new()
    {
        WriteIndented = true,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static Command Create()
    {
        var model = new Option<FileSystemInfo>("--model") { Description = "The ONNX model, or a folder holding one (an adapted model: adapters are merged).", Required = true };
        var quantize = new Option<string>("--quantize") { Description = "none, fp16, int8-dynamic, int8-qdq, int4 or int4-qdq.", DefaultValueFactory = _ => "int4" };
        var block = new Option<int>("--block") { Description = "4-bit block size (32, 64 or 128).", DefaultValueFactory = _ => QuantizationOptions.Defaults.BlockSize };
        var symmetric = new Option<bool>("--symmetric") { Description = "4-bit: symmetric blocks (implicit zero point 8) instead of stored per-block zero points." };
        var search = new Option<BlockScaleSearch>("--scale-search") { Description = $"4-bit block scales: MinMax, Clip, Mse (least squared error) or Hqq (half-quadratic, no data; default {QuantizationOptions.Defaults.Search}).", DefaultValueFactory = _ => QuantizationOptions.Defaults.Search };
        var hqqIterations = new Option<int>("--hqq-iters") { Description = "Hqq scale search: half-quadratic iterations.", DefaultValueFactory = _ => HqqParameters.Defaults.Iterations };
        var embeddingBlock = new Option<int>("--embedding-block") { Description = "4-bit block size of embedding tables (0: --block).", DefaultValueFactory = _ => QuantizationOptions.Defaults.EmbeddingBlockSize };
        var int8Roles = new Option<string[]>("--int8-roles") { Description = $"int4: weight roles kept at 8 bits in the last --int8-layers layers (q, k, v, o, ffn-in, ffn-out; default {QuantizationOptions.Defaults.EightBit.RolesText}).", AllowMultipleArgumentsPerToken = true };
        var int8Layers = new Option<int>("--int8-layers") { Description = "int4 with --int8-budget 0: how many of the last layers keep --int8-roles at 8 bits (0: pure 4-bit).", DefaultValueFactory = _ => QuantizationOptions.Defaults.EightBit.LastLayers };
        var int8Budget = new Option<double>("--int8-budget") { Description = $"int4: size budget as a fraction of the float weights (default {QuantizationOptions.Defaults.EightBitSizeBudget}); the MatMul weights with the most data-free probe sensitivity per extra byte get 8 bits within it. 0: the role rule (--int8-roles in the last --int8-layers layers).", DefaultValueFactory = _ => QuantizationOptions.Defaults.EightBitSizeBudget };
        var int8Kernel = new Option<EightBitKernel>("--int8-kernel") { Description = "int4: how the 8-bit weights run: MatMulNBits (block-wise, the default) or DynamicInt8 (int8 GEMM with activations quantized per tensor at run time: faster, lower fidelity; not with --int8-budget).", DefaultValueFactory = _ => QuantizationOptions.Defaults.EightBit.Kernel };
        var gptq = new Option<bool>("--gptq") { Description = "4-bit: GPTQ rounding of MatMul weights, from input statistics over the --calibration sentences (or built-in ones); same as --rounding Gptq." };
        var rounding = new Option<WeightRounding>("--rounding") { Description = $"4-bit MatMul weights: Nearest, Gptq (needs --calibration or built-in sentences), GptqLayerNorm or GptqSynthetic (GPTQ over synthetic token sequences from the vocabulary, no data; default {QuantizationOptions.Defaults.Rounding}).", DefaultValueFactory = _ => QuantizationOptions.Defaults.Rounding };
        var evalFile = new Option<FileInfo?>("--eval") { Description = "Labelled sentences ('<label> <sentence>' per line, e.g. SST-2 stsa.binary.dev): report float and artifact accuracy and label agreement (classifier models with a probabilities or logits output)." };
        var accuracy = new Option<int>("--accuracy-level") { Description = "MatMulNBits accuracy_level (0 unset, 4 = int8 activations, fastest).", DefaultValueFactory = _ => QuantizationOptions.Defaults.AccuracyLevel };
        var calibration = new Option<FileInfo?>("--calibration") { Description = "Sample sentences (one per line) for int8-qdq calibration and for the report." };
        var vocab = new Option<FileInfo?>("--vocab") { Description = "WordPiece vocab.txt for text encoders (default: the model folder's)." };
        var rank = new Option<int?>("--qpissa-rank") { Description = "QPiSSA adapter rank r: quantized residuals plus float rank-r adapters." };
        var iterations = new Option<int>("--qpissa-iters") { Description = "QPiSSA alternations T.", DefaultValueFactory = _ => ExportOptions.Defaults.QPissaIterations };
        var keep = new Option<bool>("--keep-first-last") { Description = "Keep the first and last transformer layers' weights in float." };
        var noEmbeddings = new Option<bool>("--no-embeddings") { Description = "Leave embedding tables (Gather) in float." };
        var exclude = new Option<string[]>("--exclude") { Description = "Node or initializer names left in float (repeatable).", AllowMultipleArgumentsPerToken = true };
        var merge = new Option<bool>("--merge") { Description = "A model with an int4 base (lora init --quantize-base): merge the adapters into the dequantized base and quantize again instead of keeping the int4 base and float adapters." };
        var noReport = new Option<bool>("--no-report") { Description = "Skip the latency/fidelity report." };
        var reportDir = new Option<DirectoryInfo?>("--report-dir") { Description = "Also write the report there: export-report.json and the chart export-report.png (size, latency and fidelity against float)." };
        var triton = new Option<DirectoryInfo?>("--triton") { Description = "Also write a Triton Inference Server model repository entry there: <dir>/<name>/config.pbtxt and <dir>/<name>/1/model.onnx (ONNX Runtime backend)." };
        var tritonName = new Option<string?>("--triton-name") { Description = "The Triton model name (default: the output's file or folder name)." };
        var tritonBatch = new Option<int>("--triton-max-batch") { Description = "max_batch_size when every input and output has a dynamic first dimension (0: no batching).", DefaultValueFactory = _ => TritonOptions.Defaults.MaxBatchSize };
        var tritonInstances = new Option<int>("--triton-instances") { Description = "instance_group count.", DefaultValueFactory = _ => TritonOptions.Defaults.InstanceCount };
        var tritonKind = new Option<TritonInstanceKind>("--triton-kind") { Description = "instance_group kind: Cpu or Gpu.", DefaultValueFactory = _ => TritonOptions.Defaults.InstanceKind };
        var output = new Option<FileInfo>("--out") { Description = "The ONNX file to write (*.onnx), or a model folder to write (model.onnx, vocab.txt, pipelines.json).", Required = true };
        var command = new Command("export", "Merge adapters and export float, fp16, int8 or 4-bit ONNX; report size, latency and fidelity against the float model.")
        {
            model, quantize, block, symmetric, search, hqqIterations, embeddingBlock, int8Roles, int8Layers, int8Budget, int8Kernel, gptq, rounding, evalFile, accuracy, calibration, vocab, rank, iterations, keep, noEmbeddings, exclude, merge, noReport, reportDir,
            triton, tritonName, tritonBatch, tritonInstances, tritonKind, output,
        };
        CommandRunner.SetHandler(command, (parsed, console) =>
        {
            string outArg = parsed.GetValue(output)!.FullName;
            string? outFolder = outArg.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase) ? null : outArg;
            using FolderLock? held = outFolder is null ? null : OutputFolder.Lock(console, outFolder, "export");
            ModelFolder source = ModelFolder.Open(parsed.GetValue(model)!.FullName);
            string modelPath = source.ModelPath;
            ExportFormat format = ParseFormat(parsed.GetValue(quantize)!);
            var excluded = new HashSet<string>(parsed.GetValue(exclude) ?? [], StringComparer.Ordinal);
            var q = new QuantizationOptions
            {
                BlockSize = parsed.GetValue(block),
                Symmetric = parsed.GetValue(symmetric),
                Search = parsed.GetValue(search),
                Hqq = new HqqParameters(Iterations: parsed.GetValue(hqqIterations)),
                EmbeddingBlockSize = parsed.GetValue(embeddingBlock),
                EightBit = new EightBitWeights(
                    parsed.GetValue(int8Roles) is { Length: > 0 } roles ? roles.SelectMany(r => r.Split(',')).Select(WeightRoles.ParseShortName).ToHashSet() : QuantizationOptions.Defaults.EightBit.Roles,
                    parsed.GetValue(int8Layers))
                {
                    SizeBudget = parsed.GetValue(int8Budget),
                    Kernel = parsed.GetValue(int8Kernel),
                },
                Rounding = parsed.GetValue(gptq) ? WeightRounding.Gptq : parsed.GetValue(rounding),
                AccuracyLevel = parsed.GetValue(accuracy),
                KeepFirstAndLastLayersFloat = parsed.GetValue(keep),
                QuantizeEmbeddings = !parsed.GetValue(noEmbeddings),
                ExcludedNodes = excluded,
                ExcludedInitializers = excluded,
            };
            try
            {
                q.Validate();
            }
            catch (ArgumentException e)
            {
                throw new UsageException(e.Message);
            }

            TritonOptions? tritonOptions = null;
            if (parsed.GetValue(triton) is not null)
            {
                tritonOptions = new TritonOptions
                {
                    ModelName = parsed.GetValue(tritonName) ?? TritonOptions.NameFrom(Path.GetFileNameWithoutExtension(Path.TrimEndingDirectorySeparator(outArg))),
                    MaxBatchSize = parsed.GetValue(tritonBatch),
                    InstanceCount = parsed.GetValue(tritonInstances),
                    InstanceKind = parsed.GetValue(tritonKind),
                };
                try
                {
                    tritonOptions.Validate();
                }
                catch (ArgumentException e)
                {
                    throw new UsageException($"--triton: {e.Message}");
                }
            }

            OnnxModel floatModel = OnnxModelIO.Load(modelPath);
            bool quantizedBase = QuantizedBase.IsQuantized(floatModel);
            if (File.Exists(Path.Combine(source.Directory, AdapterSet.ConfigFile)))
            {
                // The folder's adapter files are read with the strict reader and checked against the model, so a
                // corrupt or mismatched adapter set fails here (naming file, tensor and field) instead of being ignored.
                AdapterSet.Load(source.Directory, quantizedBase ? QuantizedBase.Dequantize(floatModel) : floatModel);
            }

            IReadOnlyList<string> sentences = parsed.GetValue(calibration) is FileInfo f ? SampleInputs.ReadSentences(f.FullName) : SampleInputs.DefaultSentences;
            string? vocabPath = parsed.GetValue(vocab)?.FullName ?? source.VocabularyPath;
            if (parsed.GetValue(vocab) is { } givenVocab && source.Manifest?.Tokenizer is { } tokenizer)
            {
                source.RefuseConflict("--vocab", $"(SHA-256 {ModelFolder.Sha256File(givenVocab.FullName)})", $"(SHA-256 {tokenizer.VocabularySha256})");
            }

            if (q.Rounding == WeightRounding.GptqSynthetic && vocabPath is not null)
            {
                // The synthetic sequences' [CLS], [SEP] and word ids come from the model's own vocabulary.
                q = q with { SyntheticInputs = SyntheticTokens.FromVocabulary(vocabPath) };
            }

            (IReadOnlyList<TensorBatch>? samples, string? why) = Samples(floatModel, sentences, vocabPath);
            if ((format == ExportFormat.Int8Qdq || q.Rounding == WeightRounding.Gptq) && samples is null)
            {
                throw new UsageException($"{(format == ExportFormat.Int8Qdq ? "int8-qdq" : "--gptq")} needs calibration inputs: {why}");
            }

            LabelledEvaluation? labelled = parsed.GetValue(evalFile) is FileInfo ef ? LabelledEvaluation.Create(floatModel, ef.FullName, vocabPath) : null;

            ExportResult result = OnnxExporter.Export(floatModel, new ExportOptions
            {
                Format = format,
                Quantization = q,
                Calibration = samples,
                QPissaRank = parsed.GetValue(rank),
                QPissaIterations = parsed.GetValue(iterations),
                MergeQuantizedBase = parsed.GetValue(merge),
            });
            // A folder's files are written into a hidden sibling and swapped in as a set once the manifest is written.
            using StagedFolder? staged = outFolder is null ? null : StagedFolder.Create(outFolder);
            string outPath = outFolder is null ? outArg : Path.Combine(outFolder, ModelFolder.ModelFileName);
            string writtenPath = staged is null ? outArg : Path.Combine(staged.Directory, ModelFolder.ModelFileName);
            Directory.CreateDirectory(Path.GetDirectoryName(writtenPath)!);
            OnnxModelIO.Save(result.Model, writtenPath);
            console.Human.MarkupLine($"wrote [bold]{Markup.Escape(outPath)}[/]: {result.Decisions.Count(d => d.Quantized)} nodes quantized, {result.Merged.Count} adapters merged");
            if (result.QPissa is { } qp)
            {
                console.Human.MarkupLine($"QPiSSA r={parsed.GetValue(rank)} T={parsed.GetValue(iterations)}: mean error reduction nuclear {qp.Layers.Average(l => l.NuclearReduction):P1}, Frobenius {qp.Layers.Average(l => l.FrobeniusReduction):P1} over {qp.Layers.Count} weights");
            }

            ExportReport? report = null;
            if (!parsed.GetValue(noReport))
            {
                if (samples is null)
                {
                    console.Warn($"no report: {why}");
                }
                else
                {
                    string floatPath = modelPath;
                    if (result.Merged.Count > 0 || quantizedBase)
                    {
                        // Fidelity is measured against the merged float model (the adapted model's own function; for an
                        // int4 base, deq(W_q) + s·A·B in float).
                        floatPath = Path.Combine(Path.GetTempPath(), $"pipelines-export-float-{Environment.ProcessId}.onnx");
                        OnnxModel reference = quantizedBase ? QuantizedBase.Dequantize(floatModel) : floatModel;
                        OnnxModelIO.Save(OnnxExporter.Export(reference, new ExportOptions { Format = ExportFormat.None }).Model, floatPath);
                    }

                    string output0 = floatModel.Graph.Outputs[0].Name;
                    using TensorBatch b1 = ExportEvaluator.FirstRow(samples[0]);
                    var evaluation = new EvaluationOptions { Output = output0, LatencyRuns = 20, LatencyRunsB1 = 100 };
                    if (labelled is not null)
                    {
                        evaluation = evaluation with { LabelOutput = labelled.Output, Classifier = LabelledEvaluation.ArgMax, Labels = labelled.Labels };
                    }

                    // The name the quantizer wrote into the artifact: the rounding it actually used (GptqSynthetic rounds a
                    // model it cannot feed synthetic sequences to nearest).
                    string name = result.Model.Metadata.FirstOrDefault(kv => kv.Key == ModelQuantizer.MetadataKey).Value ?? ModelQuantizer.FormatName(q with { Format = format });
                    report = ExportEvaluator.Evaluate(name,
                        floatPath, writtenPath, labelled?.Batches ?? samples, b1, samples.Count > 1 || samples[0].Rows > 1 ? samples[0] : null, evaluation);
                    Render(console, report);
                }
            }

            if (staged is not null)
            {
                ExportedModelFolder.WriteManifest(staged.Directory, source, vocabPath, parsed.GetValue(quantize)!, result, report);
                staged.Commit();
            }

            string? chart = null;
            if (parsed.GetValue(reportDir) is { } rd)
            {
                if (report is null)
                {
                    console.Warn("--report-dir: no report was made, nothing written there.");
                }
                else
                {
                    Directory.CreateDirectory(rd.FullName);
                    AtomicFile.WriteAllText(Path.Combine(rd.FullName, "export-report.json"), System.Text.Json.JsonSerializer.Serialize(report, s_reportJson));
                    chart = ExportChart.Write(Path.Combine(rd.FullName, "export-report.png"), report).Path;
                    console.Human.MarkupLine($"report → {Markup.Escape(rd.FullName)} (export-report.json, export-report.png)");
                }
            }

            TritonModelFiles? served = null;
            if (tritonOptions is not null)
            {
                served = TritonModelRepository.Write(parsed.GetValue(triton)!.FullName, outPath, tritonOptions);
                console.Human.MarkupLine($"Triton model '{Markup.Escape(served.Config.Name)}' → {Markup.Escape(served.ModelDirectory)} (max_batch_size {served.Config.MaxBatchSize}, {served.Config.Inputs.Count} inputs, {served.Config.Outputs.Count} outputs)");
            }

            console.WriteJson(new
            {
                Out = outPath,
                ReportChart = chart,
                Triton = served?.ModelDirectory,
                Format = parsed.GetValue(quantize),
                Bytes = report?.Bytes ?? new FileInfo(outPath).Length,
                FloatBytes = report?.FloatBytes ?? new FileInfo(modelPath).Length,
                LatencyMsB1 = report?.LatencyMsB1,
                FloatLatencyMsB1 = report?.FloatLatencyMsB1,
                LatencyMsB32 = report?.LatencyMsB32 is double l && !double.IsNaN(l) ? l : (double?)null,
                FloatLatencyMsB32 = report?.FloatLatencyMsB32 is double fl && !double.IsNaN(fl) ? fl : (double?)null,
                MaxAbsDiff = report?.MaxAbsDiff,
                Cosine = report?.MeanCosine,
                MinCosine = report?.MinCosine,
                Examples = report?.Examples,
                Accuracy = report?.Accuracy,
                FloatAccuracy = report?.FloatAccuracy,
                LabelAgreement = report?.LabelAgreement,
                MlnetMaxAbsDiff = report?.MlNetMaxAbsDiff,
                MlnetError = report?.MlNetError,
                QuantizedNodes = result.Decisions.Count(d => d.Quantized),
                MergedAdapters = result.Merged.Count,
                Qpissa = result.QPissa is { } r ? new
                {
                    Weights = r.Layers.Count,
                    MeanNuclearReduction = r.Layers.Average(l => l.NuclearReduction),
                    MeanFrobeniusReduction = r.Layers.Average(l => l.FrobeniusReduction),
                } : null,
            });
            return CommandRunner.Ok;
        });
        return command;
    }

    internal static ExportFormat ParseFormat(string text) => text.Trim().ToLowerInvariant() switch
    {
        "none" or "float" => ExportFormat.None,
        "fp16" => ExportFormat.Float16,
        "int8-dynamic" => ExportFormat.Int8Dynamic,
        "int8-qdq" => ExportFormat.Int8Qdq,
        "int4" => ExportFormat.Int4,
        "int4-qdq" => ExportFormat.Int4Qdq,
        _ => throw new UsageException($"--quantize '{text}' is not one of none, fp16, int8-dynamic, int8-qdq, int4, int4-qdq."),
    };

    private static (IReadOnlyList<TensorBatch>? Samples, string? Why) Samples(OnnxModel model, IReadOnlyList<string> sentences, string? vocabPath)
    {
        if (SampleInputs.IsTextEncoder(model))
        {
            return vocabPath is null
                ? (null, "the model is a text encoder but no vocab.txt was found beside it (pass --vocab).")
                : (new TextEncoderInputs(vocabPath).Batches(sentences, 16), null);
        }

        try
        {
            return (SampleInputs.RandomFloat(model, 4, 8, seed: 42), null);
        }
        catch (NotSupportedException e)
        {
            return (null, e.Message);
        }
    }

    private static void Render(CliConsole console, ExportReport r)
    {
        var t = new Table().AddColumns("", "artifact", "float", "ratio");
        t.AddRow("size (MiB)", $"{r.Bytes / 1048576.0:F2}", $"{r.FloatBytes / 1048576.0:F2}", $"{r.SizeRatio:F3}");
        t.AddRow("latency b1 (ms)", $"{r.LatencyMsB1:F2}", $"{r.FloatLatencyMsB1:F2}", $"{r.LatencyRatioB1:F2}");
        t.AddRow("latency b1, fastest decile (ms)", $"{r.FastestDecileMsB1:F2}", $"{r.FloatFastestDecileMsB1:F2}", $"{r.FastestDecileRatioB1:F2}");
        if (!double.IsNaN(r.LatencyMsB32))
        {
            t.AddRow("latency batch (ms)", $"{r.LatencyMsB32:F2}", $"{r.FloatLatencyMsB32:F2}", $"{r.LatencyRatioB32:F2}");
        }

        console.Human.Write(t);
        console.Human.MarkupLine($"max abs diff {r.MaxAbsDiff:G4}, mean cosine {r.MeanCosine:F5} (min {r.MinCosine:F4}) over {r.Examples} examples");
        if (r.Accuracy is double acc)
        {
            console.Human.MarkupLine($"accuracy {acc:P2} (float {r.FloatAccuracy:P2}), label agreement {r.LabelAgreement:P2}");
        }

        console.Human.MarkupLine(r.MlNetError is { } e
            ? $"[yellow]ML.NET ApplyOnnxModel cannot load this artifact:[/] {Markup.Escape(e)}"
            : $"ML.NET ApplyOnnxModel vs ORT {r.MlNetMaxAbsDiff:G3}");
    }
}
