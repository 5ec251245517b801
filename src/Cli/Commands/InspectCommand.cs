using System.CommandLine;
using Pipelines.Cli.Infrastructure;
using Pipelines.Onnx;
using Spectre.Console;

namespace Pipelines.Cli.Commands;

/// <summary><c>pipelines inspect &lt;model.onnx&gt;</c>: inputs, outputs, opsets, node counts and the linear-weight table.</summary>
internal static class InspectCommand
{
    public static Command Create()
    {
        var model = new Argument<FileInfo>("model") { Description = "The ONNX model file." };
        var validate = new Option<bool>("--validate") { Description = "Also run the project's graph validation (opset imports, unique names, known ops, axis ranges, dangling inputs, shapes)." };
        var command = new Command("inspect", "Summarise an ONNX model: inputs, outputs, opsets, node count by op type, and every 2-D weight consumed by MatMul/Gemm with its role and layer.")
        {
            model,
            validate,
        };
        CommandRunner.SetHandler(command, (parsed, console) =>
        {
            FileInfo file = parsed.GetValue(model)!;
            OnnxModel loaded = OnnxModelIO.Load(file.FullName);
            if (parsed.GetValue(validate))
            {
                OnnxModelValidator.Validate(loaded, file.Name);
            }

            ModelSummary summary = ModelSummary.Create(loaded);
            Render(console, file, summary);
            console.WriteJson(ToJson(file, summary));
            return CommandRunner.Ok;
        });
        return command;
    }

    internal static object ToJson(FileInfo file, ModelSummary s) => new
    {
        File = file.FullName,
        Bytes = file.Length,
        s.IrVersion,
        s.Producer,
        Opsets = s.Opsets.Select(o => new { Domain = o.Domain.Length == 0 ? "ai.onnx" : o.Domain, o.Version }),
        Inputs = s.Inputs.Select(v => new { v.Name, Type = v.Type?.ToString() }),
        Outputs = s.Outputs.Select(v => new { v.Name, Type = v.Type?.ToString() }),
        s.NodeCount,
        OpCounts = s.OpCounts.ToDictionary(kv => kv.Key, kv => kv.Value),
        s.ParameterCount,
        Weights = s.Weights.Select(w => new
        {
            Name = w.Initializer,
            w.Node,
            w.OpType,
            Rows = w.InFeatures,
            Cols = w.OutFeatures,
            w.Transposed,
            Role = w.Role.ShortName(),
            w.Layer,
            w.Bias,
        }),
    };

    private static void Render(CliConsole console, FileInfo file, ModelSummary s)
    {
        IAnsiConsole c = console.Human;
        c.Write(new Rule($"[bold]{Markup.Escape(file.Name)}[/]").LeftJustified());
        c.MarkupLine($"IR {s.IrVersion}, opsets {Markup.Escape(string.Join(", ", s.Opsets.Select(o => $"{(o.Domain.Length == 0 ? "ai.onnx" : o.Domain)} v{o.Version}")))}, producer {Markup.Escape(s.Producer)}");
        c.MarkupLine($"{s.NodeCount} nodes, {s.ParameterCount:N0} parameters, {file.Length:N0} bytes");
        var io = new Table().AddColumns("", "name", "type");
        foreach (ValueInfo v in s.Inputs)
        {
            io.AddRow("input", Markup.Escape(v.Name), Markup.Escape(v.Type?.ToString() ?? "?"));
        }

        foreach (ValueInfo v in s.Outputs)
        {
            io.AddRow("output", Markup.Escape(v.Name), Markup.Escape(v.Type?.ToString() ?? "?"));
        }

        c.Write(io);
        c.MarkupLine(Markup.Escape(string.Join("  ", s.OpCounts.Select(kv => $"{kv.Key}:{kv.Value}"))));
        var weights = new Table().AddColumns("#", "weight", "node", "op", "in", "out", "role", "layer");
        int i = 0;
        foreach (LinearWeight w in s.Weights)
        {
            weights.AddRow(
                (i++).ToString(System.Globalization.CultureInfo.InvariantCulture),
                Markup.Escape(w.Initializer),
                Markup.Escape(w.Node),
                w.OpType + (w.Transposed ? "ᵀ" : ""),
                w.InFeatures.ToString(System.Globalization.CultureInfo.InvariantCulture),
                w.OutFeatures.ToString(System.Globalization.CultureInfo.InvariantCulture),
                w.Role.ShortName(),
                w.Layer < 0 ? "-" : w.Layer.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        c.Write(weights);
        c.MarkupLine($"{s.Weights.Count(w => w.OpType == "MatMul")} MatMul weights, {s.Weights.Count(w => w.OpType == "Gemm")} Gemm weights");
    }
}
