//! The bind state machine as a table: every SMPP 3.4 command id × every
//! state × both directions, against an expectation written out here from
//! SMPP 3.4 §2.3, plus the transitions for both roles.

use pasarela::smpp::pdu::{CommandId, CommandStatus, SMPP34_COMMAND_IDS};
use pasarela::smpp::session::{BindState, Flow, Role, Session, allowed};

use BindState::{BoundRx, BoundTrx, BoundTx, Closed, Open, Unbinding};

const ALIVE: &[BindState] = &[Open, BoundTx, BoundRx, BoundTrx, Unbinding];

/// In which states `id` may flow as `flow`; `None` for "never this way".
fn expected_states(flow: Flow, id: CommandId) -> &'static [BindState] {
    use CommandId as C;
    match (flow, id) {
        (Flow::EsmeToMc, C::BindTransmitter | C::BindReceiver | C::BindTransceiver) => &[Open],
        (Flow::McToEsme, C::BindTransmitterResp | C::BindReceiverResp | C::BindTransceiverResp) => {
            &[Open]
        }
        (Flow::McToEsme, C::Outbind) => &[Open],
        (
            Flow::EsmeToMc,
            C::SubmitSm | C::SubmitMulti | C::QuerySm | C::CancelSm | C::ReplaceSm | C::DataSm,
        ) => &[BoundTx, BoundTrx],
        (
            Flow::McToEsme,
            C::SubmitSmResp
            | C::SubmitMultiResp
            | C::QuerySmResp
            | C::CancelSmResp
            | C::ReplaceSmResp
            | C::DataSmResp,
        ) => &[BoundTx, BoundTrx, Unbinding],
        (Flow::McToEsme, C::DeliverSm | C::DataSm | C::AlertNotification) => &[BoundRx, BoundTrx],
        (Flow::EsmeToMc, C::DeliverSmResp | C::DataSmResp) => &[BoundRx, BoundTrx, Unbinding],
        (_, C::Unbind) => &[BoundTx, BoundRx, BoundTrx, Unbinding],
        (_, C::UnbindResp) => &[BoundTx, BoundRx, BoundTrx, Unbinding],
        (_, C::EnquireLink | C::EnquireLinkResp | C::GenericNack) => ALIVE,
        _ => &[],
    }
}

#[test]
fn every_command_id_in_every_state_both_ways() {
    let mut checked = 0;
    for flow in [Flow::EsmeToMc, Flow::McToEsme] {
        for id in SMPP34_COMMAND_IDS {
            let states = expected_states(flow, id);
            for state in BindState::ALL {
                let verdict = allowed(flow, state, id);
                if states.contains(&state) {
                    assert_eq!(verdict, Ok(()), "{flow:?} {id:?} in {state:?}");
                } else {
                    let is_bind = matches!(
                        id,
                        CommandId::BindTransmitter
                            | CommandId::BindReceiver
                            | CommandId::BindTransceiver
                    );
                    let status = if flow == Flow::EsmeToMc && is_bind && state.is_bound() {
                        CommandStatus::EsmeRalybnd
                    } else {
                        CommandStatus::EsmeRinvbndsts
                    };
                    assert_eq!(verdict, Err(status), "{flow:?} {id:?} in {state:?}");
                }
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 2 * 27 * 6);
}

#[test]
fn ids_outside_smpp34_are_invalid_in_every_state() {
    for id in [
        CommandId::BroadcastSm,
        CommandId::CancelBroadcastSmResp,
        CommandId::Other(0x0000_0777),
        CommandId::Other(0x8000_0777),
    ] {
        for state in BindState::ALL {
            for flow in [Flow::EsmeToMc, Flow::McToEsme] {
                assert_eq!(
                    allowed(flow, state, id),
                    Err(CommandStatus::EsmeRinvcmdid),
                    "{id:?}"
                );
            }
        }
    }
}

#[test]
fn flow_depends_on_role_and_direction() {
    assert_eq!(Flow::of(Role::Server, true), Flow::EsmeToMc);
    assert_eq!(Flow::of(Role::Server, false), Flow::McToEsme);
    assert_eq!(Flow::of(Role::Client, true), Flow::McToEsme);
    assert_eq!(Flow::of(Role::Client, false), Flow::EsmeToMc);
}

#[test]
fn each_bind_kind_leads_to_its_state_on_both_sides() {
    let kinds = [
        (CommandId::BindTransmitter, BoundTx),
        (CommandId::BindReceiver, BoundRx),
        (CommandId::BindTransceiver, BoundTrx),
    ];
    for (bind, state) in kinds {
        let resp = bind.matching_response();
        let mut server = Session::new(Role::Server);
        server.receive(bind, CommandStatus::EsmeRok).expect("bind");
        server.send(resp, CommandStatus::EsmeRok).expect("resp");
        assert_eq!(server.state(), state, "server {bind:?}");

        let mut client = Session::new(Role::Client);
        client.send(bind, CommandStatus::EsmeRok).expect("bind");
        client.receive(resp, CommandStatus::EsmeRok).expect("resp");
        assert_eq!(client.state(), state, "client {bind:?}");
    }
}

#[test]
fn receiver_sessions_cannot_submit_and_transmitters_get_no_deliver_sm() {
    let mut rx = Session::new(Role::Server);
    rx.receive(CommandId::BindReceiver, CommandStatus::EsmeRok)
        .expect("bind");
    rx.send(CommandId::BindReceiverResp, CommandStatus::EsmeRok)
        .expect("resp");
    assert_eq!(
        rx.receive(CommandId::SubmitSm, CommandStatus::EsmeRok),
        Err(CommandStatus::EsmeRinvbndsts)
    );
    assert!(rx.may_send(CommandId::DeliverSm));

    let mut tx = Session::new(Role::Server);
    tx.receive(CommandId::BindTransmitter, CommandStatus::EsmeRok)
        .expect("bind");
    tx.send(CommandId::BindTransmitterResp, CommandStatus::EsmeRok)
        .expect("resp");
    assert!(!tx.may_send(CommandId::DeliverSm));
    assert!(
        tx.send(CommandId::DeliverSm, CommandStatus::EsmeRok)
            .is_err()
    );
    tx.send(CommandId::SubmitSmResp, CommandStatus::EsmeRok)
        .expect("answers to submits");
}

#[test]
fn outbind_then_bind_receiver_on_the_client_side() {
    let mut client = Session::new(Role::Client);
    client
        .receive(CommandId::Outbind, CommandStatus::EsmeRok)
        .expect("outbind in open");
    client
        .send(CommandId::BindReceiver, CommandStatus::EsmeRok)
        .expect("bind");
    client
        .receive(CommandId::BindReceiverResp, CommandStatus::EsmeRok)
        .expect("resp");
    assert_eq!(client.state(), BoundRx);
    assert_eq!(
        client.receive(CommandId::Outbind, CommandStatus::EsmeRok),
        Err(CommandStatus::EsmeRinvbndsts)
    );
}

#[test]
fn a_generic_nack_to_our_bind_lets_us_bind_again() {
    let mut client = Session::new(Role::Client);
    client
        .send(CommandId::BindTransceiver, CommandStatus::EsmeRok)
        .expect("bind");
    client
        .receive(CommandId::GenericNack, CommandStatus::EsmeRinvcmdlen)
        .expect("nack");
    assert_eq!(client.state(), Open);
    client
        .send(CommandId::BindTransceiver, CommandStatus::EsmeRok)
        .expect("bind again");
}

#[test]
fn closing_forbids_everything() {
    let mut session = Session::new(Role::Server);
    session.close();
    assert_eq!(session.state(), Closed);
    for id in SMPP34_COMMAND_IDS {
        assert!(!session.may_send(id), "{id:?}");
        assert!(
            session.send(id, CommandStatus::EsmeRsyserr).is_err(),
            "{id:?}"
        );
        assert!(
            session.receive(id, CommandStatus::EsmeRok).is_err(),
            "{id:?}"
        );
    }
}
