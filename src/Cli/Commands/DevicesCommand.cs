using System.CommandLine;
using Pipelines.Cli.Infrastructure;
using Pipelines.Onnx;
using Pipelines.Onnx.Runtime;
using Spectre.Console;

namespace Pipelines.Cli.Commands;

/// <summary>
/// <c>pipelines devices [--device cuda]</c>: says which ONNX Runtime natives this build carries and whether a session
/// can start on the requested device; an unusable device is a one-line error saying why and what to do.
/// </summary>
internal static class DevicesCommand
{
    public static Command Create()
    {
        var device = DeviceOption.Create();
        var command = new Command("devices", "Check that an ONNX Runtime session starts on a device (cpu, cuda[:N], auto[:N]) and report the native package in use.")
        {
            device,
        };
        CommandRunner.SetHandler(command, (parsed, console) =>
        {
            ExecutionDevice requested = DeviceOption.Parse(parsed.GetValue(device));
            var b = new GraphBuilder("probe");
            string x = b.Input("x", TensorElementType.Float, 2);
            b.Output(b.Op("Relu", x), "y");
            using OnnxSession session = OrtSessions.Create(b.ToModel(), new SessionSettings { Device = requested });
            using var probe = new TensorBatch();
            probe.Add(x, new[] { -1f, 2f }, 2);
            var y = session.RunFloat(probe)["y"].Data;
            if (session.Warning is not null)
            {
                console.Warn(session.Warning);
            }

            string natives = Natives;
            console.Human.MarkupLine($"natives: {natives}; requested {requested}; running on [bold]{session.Device}[/]; probe output ({y[0]}, {y[1]})");
            console.WriteJson(new { Natives = natives, Requested = requested.ToString(), Device = session.Device.ToString(), session.Warning });
            return CommandRunner.Ok;
        });
        return command;
    }

    /// <summary>The native ONNX Runtime package this executable was built with.</summary>
    internal static string Natives =>
#if ORT_GPU
        "Microsoft.ML.OnnxRuntime.Gpu.Linux (CUDA 13, cuDNN 9)";
#else
        "Microsoft.ML.OnnxRuntime (CPU)";
#endif
}
